#pragma once
// A real SMTP server for the mail end-to-end tests (smtp_sink.py on aiosmtpd, run by Debian's
// Python), test certificates made with the openssl CLI, and the database read with sqlite3.

#include <boost/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace jambo::testing {

/// A port on 127.0.0.1 that nothing listens on right now.
std::uint16_t free_loopback_port();

/// A CA and a server certificate it signed, for 127.0.0.1 and localhost.
struct TestPki {
    explicit TestPki(const std::filesystem::path& dir);
    std::filesystem::path ca;
    std::filesystem::path server_cert;
    std::filesystem::path server_key;
};

struct SinkOptions {
    const TestPki* starttls = nullptr;      ///< offer and require STARTTLS with this PKI's server cert
    const TestPki* implicit_tls = nullptr;  ///< smtps: TLS from the first byte
    std::string auth{};                     ///< "user:password" that AUTH must present
    bool reject_recipients = false;         ///< answer 550 to every RCPT
};

class SmtpSink {
public:
    /// Starts the server on 127.0.0.1:`port` and waits until it accepts connections.
    SmtpSink(const std::filesystem::path& dir, std::uint16_t port, SinkOptions options = {});
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url(const std::string& scheme = "smtp", const std::string& userinfo = {}) const;
    /// How many messages it accepted so far.
    [[nodiscard]] std::size_t received() const;
    /// How many RCPT commands it was sent (each delivery attempt that got that far sends one).
    [[nodiscard]] std::size_t recipient_attempts() const;
    /// The report on message `number` (1-based), waiting for it up to `timeout`; nullopt if it
    /// did not come.
    [[nodiscard]] std::optional<boost::json::object> wait_for_message(std::size_t number,
                                                                      std::chrono::milliseconds timeout) const;

private:
    std::filesystem::path dir_;
    std::uint16_t port_;
    pid_t pid_ = -1;
};

/// The output of `sqlite3 DB SQL` (rows as lines, columns joined by '|').
std::string sqlite_query(const std::string& db, const std::string& sql);

/// Waits until `text()` contains `needle`; false after `timeout`.
template <typename Text>
bool wait_until_contains(Text text, const std::string& needle, std::chrono::milliseconds timeout);

}  // namespace jambo::testing

#include <thread>

template <typename Text>
bool jambo::testing::wait_until_contains(Text text, const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (text().find(needle) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return text().find(needle) != std::string::npos;
}
