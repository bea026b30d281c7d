// The embedder's own Asio (a timer, a client socket) runs in the same program as Jambo's
// server: the two copies of Asio's code must agree, or the first handler crashes.
#include <jambo/http/server.hpp>

#include <boost/asio.hpp>

#include <iostream>
#include <string>
#include <thread>

namespace asio = boost::asio;

int main() {
    asio::io_context io;
    bool timer_fired = false;
    asio::steady_timer timer(io, std::chrono::milliseconds(1));
    timer.async_wait([&](boost::system::error_code error) { timer_fired = !error; });
    io.run();

    jambo::http::ServerOptions options;
    options.port = 0;
    jambo::http::Server server(options, [](jambo::http::Request&) {
        jambo::http::Response response{200, {}, "hello"};
        response.headers.add("Content-Type", "text/plain");
        return response;
    });
    std::thread serving([&server] { server.run(); });

    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
    const std::string request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::string reply;
    boost::system::error_code error;
    asio::read(socket, asio::dynamic_buffer(reply), error);
    server.stop();
    serving.join();

    const bool answered = reply.starts_with("HTTP/1.1 200") && reply.ends_with("hello");
    std::cout << "own timer " << (timer_fired ? "fired" : "did not fire") << ", server "
              << (answered ? "answered 200 hello" : "answered: " + reply) << ", stopped" << std::endl;
    return timer_fired && answered ? 0 : 1;
}
