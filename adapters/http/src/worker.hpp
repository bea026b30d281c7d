#pragma once
// What an I/O thread owns (its io_context, its connections, their sweep timer) and what all
// the server's threads share. Included by the two sources that use Asio: connection.cpp
// (one client's requests, start to end) and server.cpp (accepting, signals, the stop).

#include <jambo/http/server.hpp>

#include "blocking_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace jambo::http {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
// A concrete executor type: tcp_stream's type-erased any_io_executor costs ~10% CPU.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
using Timer = asio::basic_waitable_timer<Clock, asio::wait_traits<Clock>, Executor>;
using ErrorCode = boost::system::error_code;

// What the server's threads share: set up before the I/O threads start, then only the
// atomics and what the mutexes guard change.
struct SharedState {
    ServerOptions options;
    RequestHandler handler;
    BlockingPredicate may_block;
    AsyncRequestHandler start;
    std::shared_ptr<spdlog::logger> access;
    std::atomic<std::size_t> connections{0};
    std::atomic<std::size_t> requests_in_handling{0};  ///< for the shutdown warning
    std::unique_ptr<BlockingPool> pool;

    // Responders handed out and not yet destroyed. A Responder posts to a worker's
    // io_context, so run() waits for them as it waits for the pool's jobs: a write still
    // queued when the grace period ends must not answer into a destroyed server.
    std::mutex async_mutex;
    std::condition_variable async_idle;
    std::size_t async_pending = 0;
};

class Connection;

// Everything a worker thread owns; only that thread touches it, so nothing here is locked.
class Worker {
public:
    explicit Worker(SharedState& state) : shared(state), ioc(1), sweep(ioc.get_executor()) {}
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    // Destroying ioc destroys the handlers that keep connections alive; their detach() must
    // then leave the (already destroyed) sweep timer alone.
    ~Worker() { tearing_down = true; }

    SharedState& shared;
    bool tearing_down = false;
    std::vector<Connection*> connections;  // declared before ioc: outlives the handlers it destroys
    asio::io_context ioc;
    Timer sweep;
    bool stopping = false;

    void start_sweep();
    void adopt(Socket socket);
    void shutdown();
    void attach(Connection* connection);
    void detach(Connection* connection);
    /// After the I/O threads stopped: closes what is left, each with a warning if a request
    /// was still being handled (`when` says why the server stopped waiting).
    void abandon_all(std::string_view when);
};

// An answer outside any request's exchange (a refusal past the cap, a timeout), written at
// once without waiting: a client that is not reading loses it rather than holding us.
void write_at_once(Socket& socket, Response response, std::string_view request_id);

}  // namespace jambo::http
