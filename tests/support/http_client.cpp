#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace jambo::testing {

namespace {

// The server closed the connection before answering: safe to retry on a fresh one.
struct ClosedBeforeResponse : std::runtime_error {
    using std::runtime_error::runtime_error;
};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

int connect_to(const std::string& host, std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

HttpClient::HttpClient(std::uint16_t port, std::string host) : port_(port), host_(std::move(host)) {}

HttpClient::~HttpClient() { close(); }

void HttpClient::connect() {
    close();
    fd_ = connect_to(host_, port_);
    must_reconnect_ = false;
    if (fd_ < 0) throw std::runtime_error("cannot connect to port " + std::to_string(port_));
}

void HttpClient::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
}

void HttpClient::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent < 0 && (errno == EPIPE || errno == ECONNRESET)) throw ClosedBeforeResponse("connection closed");
        if (sent <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
}

std::size_t HttpClient::fill() {
    pollfd waiting{fd_, POLLIN, 0};
    auto ready = ::poll(&waiting, 1, static_cast<int>(timeout_.count()));
    if (ready == 0) throw std::runtime_error("timed out waiting for the server");
    char chunk[16384];
    auto got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got < 0 && errno == ECONNRESET) return 0;
    if (got < 0) throw std::runtime_error(std::string("recv failed: ") + std::strerror(errno));
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return static_cast<std::size_t>(got);
}

std::string HttpClient::read_line() {
    for (;;) {
        auto end = buffer_.find("\r\n");
        if (end != std::string::npos) {
            auto line = buffer_.substr(0, end);
            buffer_.erase(0, end + 2);
            return line;
        }
        if (fill() == 0) throw ClosedBeforeResponse("connection closed before a complete status line or header");
    }
}

std::string HttpClient::read_exact(std::size_t size) {
    while (buffer_.size() < size) {
        if (fill() == 0) throw std::runtime_error("connection closed mid-body");
    }
    auto out = buffer_.substr(0, size);
    buffer_.erase(0, size);
    return out;
}

HttpResponse HttpClient::read_response(bool head) {
    HttpResponse response;
    auto status_line = read_line();
    response.version = status_line.substr(0, status_line.find(' '));
    response.status = static_cast<unsigned>(std::stoul(status_line.substr(status_line.find(' ') + 1, 3)));
    for (auto line = read_line(); !line.empty(); line = read_line()) {
        auto colon = line.find(':');
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response.headers.emplace_back(line.substr(0, colon), value);
    }
    auto length = response.header("Content-Length");
    if (head || response.status < 200 || response.status == 204 || response.status == 304) return response;
    if (length) {
        response.body = read_exact(std::stoul(*length));
    } else {
        while (fill() > 0) {
        }
        response.body = std::move(buffer_);
        buffer_.clear();
    }
    if (auto connection = response.header("Connection"); connection && iequals(*connection, "close")) {
        must_reconnect_ = true;
    }
    return response;
}

namespace {

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 0xF];
        } else {
            out += c;
        }
    }
    out += '"';
}

// With JAMBO_RECORD_RESPONSES=<file>, every exchange is appended to it as one JSON line, so
// tests/e2e/validate_responses.py can check each response the suite saw against
// docs/openapi.yaml. One write() per line keeps lines whole when test processes run in parallel.
void record(const std::string& method, const std::string& target, const HttpResponse& response) {
    const char* path = std::getenv("JAMBO_RECORD_RESPONSES");
    if (path == nullptr || *path == '\0') return;
    std::string line = "{\"method\":";
    append_json_string(line, method);
    line += ",\"target\":";
    append_json_string(line, target);
    line += ",\"status\":" + std::to_string(response.status) + ",\"headers\":{";
    for (std::size_t i = 0; i < response.headers.size(); ++i) {
        if (i > 0) line += ',';
        std::string name = response.headers[i].first;
        std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        append_json_string(line, name);
        line += ':';
        append_json_string(line, response.headers[i].second);
    }
    line += "},\"body\":";
    append_json_string(line, response.body);
    line += "}\n";
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    [[maybe_unused]] const auto written = ::write(fd, line.data(), line.size());
    ::close(fd);
}

}  // namespace

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body) {
    HttpResponse response = exchange(method, target, headers, body);
    record(method, target, response);
    return response;
}

HttpResponse HttpClient::exchange(const std::string& method, const std::string& target,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) {
    bool reused = fd_ >= 0 && !must_reconnect_;
    if (!reused) connect();
    std::string text = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + ":" + std::to_string(port_) + "\r\n";
    for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    text += "\r\n" + body;
    try {
        send_raw(text);
        return read_response(method == "HEAD");
    } catch (const ClosedBeforeResponse&) {
        // The server closed an idle keep-alive connection as we reused it: one fresh try.
        if (!reused) throw;
        connect();
        send_raw(text);
        return read_response(method == "HEAD");
    }
}

bool HttpClient::closed_within(std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd waiting{fd_, POLLIN, 0};
        if (::poll(&waiting, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) continue;
        char chunk[4096];
        auto got = ::recv(fd_, chunk, sizeof chunk, 0);
        if (got <= 0) return true;
    }
    return false;
}

int open_idle_connection(std::uint16_t port) { return connect_to("127.0.0.1", port); }

}  // namespace jambo::testing
