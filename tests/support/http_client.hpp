#pragma once
// A small synchronous HTTP/1.1 client on plain sockets, for driving the real server in
// end-to-end tests: keep-alive, raw bytes in and out, and no Beast to compile.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jambo::testing {

struct HttpResponse {
    unsigned status = 0;
    std::string version;  ///< "HTTP/1.1"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header of that name (case-insensitive).
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
public:
    explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Sends one request (Host and Content-Length added) and reads its response; reconnects
    /// if the server closed the previous connection.
    HttpResponse request(const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         const std::string& body = {});

    /// Lower level: connect, send bytes as they are, read one response.
    void connect();
    void send_raw(std::string_view bytes);
    HttpResponse read_response(bool head = false);
    /// True if the server closed the connection (EOF or reset) within `wait`.
    bool closed_within(std::chrono::milliseconds wait);
    void close();
    [[nodiscard]] bool connected() const { return fd_ >= 0; }
    void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

private:
    std::uint16_t port_;
    std::string host_;
    int fd_ = -1;
    bool must_reconnect_ = false;  // the server said Connection: close
    std::string buffer_;
    std::chrono::milliseconds timeout_{10'000};

    HttpResponse exchange(const std::string& method, const std::string& target,
                          const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);
    std::size_t fill();  // reads more into buffer_; 0 on EOF
    std::string read_line();
    std::string read_exact(std::size_t size);
};

/// Opens a TCP connection and leaves it idle; returns the fd (or -1).
int open_idle_connection(std::uint16_t port);

}  // namespace jambo::testing
