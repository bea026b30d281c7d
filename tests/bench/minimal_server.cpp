// The ceiling to measure Jambo against: the least a Beast server can do to answer
// GET /api/status with our body. One io_context per thread, each with its own acceptor on
// the same port (SO_REUSEPORT), no strands, one buffer and one response per connection.
//
//   jambo_minimal_server <port> [threads]
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view status_body = R"({"statusCode": 200, "body": "OK"})";

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}
    void start() { read(); }

private:
    tcp::socket socket_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;

    void read() {
        request_ = {};
        http::async_read(socket_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec) self->respond();
        });
    }

    void respond() {
        const bool found = request_.method() == http::verb::get && request_.target() == "/api/status";
        response_ = {found ? http::status::ok : http::status::not_found, request_.version()};
        response_.set(http::field::content_type, "application/json; charset=utf-8");
        response_.body() = found ? status_body : R"({"statusCode": 404, "body": "Not found."})";
        response_.keep_alive(request_.keep_alive());
        response_.prepare_payload();
        http::async_write(socket_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (!ec && self->response_.keep_alive()) self->read();
        });
    }
};

void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([&acceptor](beast::error_code ec, tcp::socket socket) {
        if (!ec) {
            socket.set_option(tcp::no_delay(true));
            std::make_shared<Session>(std::move(socket))->start();
        }
        accept(acceptor);
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: jambo_minimal_server <port> [threads]\n";
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    const int threads = argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::thread::hardware_concurrency());

    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([port] {
            asio::io_context io(1);
            tcp::acceptor acceptor(io);
            const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
            acceptor.open(endpoint.protocol());
            acceptor.set_option(asio::socket_base::reuse_address(true));
            acceptor.set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true));
            acceptor.bind(endpoint);
            acceptor.listen();
            accept(acceptor);
            io.run();
        });
    }
    for (auto& worker : workers) worker.join();
}
