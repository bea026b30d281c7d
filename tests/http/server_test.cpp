// The server's asynchronous path on a loopback socket: a request the AsyncRequestHandler
// takes is answered by whoever finishes it, without a blocking-pool thread.
#include <jambo/http/server.hpp>

#include "http_client.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace jambo;
using namespace std::chrono_literals;
using testing::HttpClient;

namespace {

http::Response text(unsigned status, std::string body) {
    http::Response response{status, {}, std::move(body)};
    response.headers.add("Content-Type", "text/plain");
    return response;
}

// A server on a free loopback port with one blocking thread, run on its own thread.
struct RunningServer {
    RunningServer(http::RequestHandler handler, http::AsyncRequestHandler start,
                  http::ServerOptions options = RunningServer::options())
        : server(std::move(options), std::move(handler), http::unsafe_method, std::move(start)),
          runner([this] { server.run(); }) {}
    ~RunningServer() {
        server.stop();
        runner.join();
    }
    static http::ServerOptions options() {
        http::ServerOptions o;
        o.port = 0;
        o.threads = 1;
        o.blocking_threads = 1;
        o.handle_signals = false;
        return o;
    }
    http::Server server;
    std::thread runner;
};

}  // namespace

TEST_CASE("a request the async handler takes is answered from another thread while the pool is busy",
          "[http][server]") {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<bool> blocked{false};
    std::vector<std::jthread> finishers;

    const auto handler = [&](http::Request& request) {
        if (request.path == "/block") {
            blocked = true;
            released.wait();
        }
        return text(200, "pool:" + request.path);
    };
    const auto start = [&](http::Request& request, const http::Responder& respond) {
        if (request.path == "/later") {
            finishers.emplace_back([respond] {
                std::this_thread::sleep_for(20ms);
                respond([] { return text(202, "answered later"); });
            });
            return true;
        }
        if (request.path == "/throws") throw std::runtime_error("refused to start");
        if (request.path == "/make-throws") {
            respond([]() -> http::Response { throw std::runtime_error("could not build"); });
            return true;
        }
        return false;
    };
    RunningServer running(handler, start);

    // The pool's only thread waits on /block ...
    HttpClient blocker(running.server.port());
    blocker.connect();
    blocker.send_raw("POST /block HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    for (int i = 0; i < 500 && !blocked; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(blocked);

    // ... and asynchronous requests are still answered meanwhile.
    HttpClient client(running.server.port());
    const auto later = client.request("POST", "/later");
    CHECK(later.status == 202);
    CHECK(later.body == "answered later");
    CHECK(later.header("X-Request-Id").has_value());
    const auto threw = client.request("POST", "/throws");
    CHECK(threw.status == 500);
    CHECK(threw.header("X-Request-Id").has_value());
    CHECK(threw.body.find("refused to start") == std::string::npos);
    CHECK(client.request("POST", "/make-throws").status == 500);

    // A request it declines goes to the pool, once the pool's thread is free.
    release.set_value();
    const auto unblocked = blocker.read_response();
    CHECK(unblocked.status == 200);
    CHECK(unblocked.body == "pool:/block");
    const auto declined = client.request("POST", "/other");
    CHECK(declined.status == 200);
    CHECK(declined.body == "pool:/other");
    // Only requests that may block are offered: a GET is answered inline.
    CHECK(client.request("GET", "/later").body == "pool:/later");
    // A Responder keeps the server running until it is used; these were, so they join at once.
    finishers.clear();
}

TEST_CASE("a request still waiting for its answer when the grace period ends holds run() until it is answered",
          "[http][server]") {
    auto options = RunningServer::options();
    options.shutdown_grace = 50ms;
    std::promise<void> started;
    std::atomic<bool> answered{false};
    std::jthread finisher;
    const auto start = [&](http::Request&, const http::Responder& respond) {
        finisher = std::jthread([respond = http::Responder(respond), &answered]() mutable {
            std::this_thread::sleep_for(500ms);  // ten times the grace period
            respond([] { return text(200, "late"); });
            answered = true;
            respond = nullptr;  // the last copy: the server may go once this is gone
        });
        started.set_value();
        return true;
    };
    http::Server server(options, [](http::Request&) { return text(200, "pool"); }, http::unsafe_method, start);
    std::thread runner([&] { server.run(); });
    HttpClient client(server.port());
    client.connect();
    client.send_raw("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    started.get_future().wait();
    server.stop();
    runner.join();
    CHECK(answered);
    finisher.join();
}

TEST_CASE("a Responder its caller keeps after using it holds no connection", "[http][server]") {
    auto options = RunningServer::options();
    options.max_connections = 1;
    std::mutex kept_mutex;
    std::optional<http::Responder> kept;
    const auto start = [&](http::Request&, const http::Responder& respond) {
        respond([] { return text(201, "made"); });
        std::scoped_lock lock(kept_mutex);
        kept = respond;  // as a store might, until its batch is cleared
        return true;
    };
    {
        RunningServer running([](http::Request&) { return text(200, "read"); }, start, options);
        {
            HttpClient first(running.server.port());
            CHECK(first.request("POST", "/x").status == 201);
        }
        // The only connection slot frees once the server has seen the first client go.
        bool served = false;
        for (int attempt = 0; attempt < 100 && !served; ++attempt) {
            try {
                HttpClient second(running.server.port());
                served = second.request("GET", "/x").status == 200;
            } catch (const std::exception&) {  // refused while the slot is taken
            }
            if (!served) std::this_thread::sleep_for(20ms);
        }
        CHECK(served);
        std::scoped_lock lock(kept_mutex);
        kept.reset();  // before the server goes: run() waits for every Responder
    }
}

namespace {

volatile std::sig_atomic_t own_handler_calls = 0;
void own_handler(int) { own_handler_calls = own_handler_calls + 1; }

struct sigaction disposition(int number) {
    struct sigaction now {};
    ::sigaction(number, nullptr, &now);
    return now;
}

}  // namespace

TEST_CASE("a server that handles signals gives the program's own dispositions back when it goes - "
          "and leaves an ignored SIGHUP (nohup) ignored",
          "[http][server][signals]") {
    struct sigaction mine {};
    mine.sa_handler = own_handler;
    ::sigemptyset(&mine.sa_mask);
    struct sigaction ignore = mine;
    ignore.sa_handler = SIG_IGN;
    struct sigaction saved_int {}, saved_hup {};
    REQUIRE(::sigaction(SIGINT, &mine, &saved_int) == 0);
    REQUIRE(::sigaction(SIGHUP, &ignore, &saved_hup) == 0);

    auto options = RunningServer::options();
    options.handle_signals = true;
    {
        http::Server server(options, [](http::Request&) { return text(200, "ok"); });
        server.catch_signals();
        CHECK(disposition(SIGINT).sa_handler != own_handler);  // the server's, while it serves
        CHECK(disposition(SIGHUP).sa_handler == SIG_IGN);      // not taken: nohup asked for it
        std::thread runner([&] { server.run(); });
        ::raise(SIGHUP);  // ignored: neither stops the server nor ends this process
        HttpClient client(server.port());
        CHECK(client.request("GET", "/").status == 200);
        ::raise(SIGINT);  // the server's now: a graceful stop
        runner.join();
        ::raise(SIGINT);  // after run(): held by the server, so the program's shutdown goes on
        CHECK(own_handler_calls == 0);
    }
    CHECK(disposition(SIGINT).sa_handler == own_handler);  // given back with the server
    CHECK(disposition(SIGHUP).sa_handler == SIG_IGN);
    ::raise(SIGINT);
    CHECK(own_handler_calls == 1);

    ::sigaction(SIGINT, &saved_int, nullptr);
    ::sigaction(SIGHUP, &saved_hup, nullptr);
}

TEST_CASE("of two servers that handle signals, the one left still stops on a signal once the other is gone - "
          "the program's disposition comes back with the last",
          "[http][server][signals]") {
    struct sigaction mine {};
    mine.sa_handler = own_handler;
    ::sigemptyset(&mine.sa_mask);
    struct sigaction saved {};
    REQUIRE(::sigaction(SIGTERM, &mine, &saved) == 0);
    const int calls_before = own_handler_calls;

    auto options = RunningServer::options();
    options.handle_signals = true;
    const auto handler = [](http::Request&) { return text(200, "ok"); };
    {
        auto first = std::make_unique<http::Server>(options, handler);
        http::Server second(options, handler);
        first->catch_signals();
        second.catch_signals();
        auto serving = std::async(std::launch::async, [&] { second.run(); });
        first.reset();
        ::raise(SIGTERM);  // the second server's: a graceful stop
        const bool stopped = serving.wait_for(10s) == std::future_status::ready;
        CHECK(stopped);
        CHECK(own_handler_calls == calls_before);
        if (!stopped) second.stop();
    }
    CHECK(disposition(SIGTERM).sa_handler == own_handler);
    ::sigaction(SIGTERM, &saved, nullptr);
}
