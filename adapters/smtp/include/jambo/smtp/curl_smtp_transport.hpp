#pragma once
/// Delivery to an SMTP server through libcurl: smtp:// with STARTTLS, smtps:// with implicit
/// TLS, AUTH from the URL, certificates verified, connect and overall timeouts.

#include <jambo/smtp/mail_transport.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jambo::smtp {

struct SmtpOptions {
    /// `smtp://[user[:password]@]host[:port][/ehlo-name]` or `smtps://...`.
    std::string url{};
    /// Plain SMTP (no STARTTLS offered) is accepted from any host, e.g. a relay on a private network.
    bool allow_plaintext = false;
    /// Plain SMTP is accepted from a loopback host (127.0.0.0/8, ::1, localhost).
    bool loopback_plaintext = true;
    /// A PEM file of the CA that signed the server's certificate; empty: the system's CAs.
    std::string ca_file{};
    /// The EHLO name when the URL has no path.
    std::string ehlo_name{};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds{10}};
    /// For the exchange with the server up to the message's end, connecting included; the
    /// server's reply to the message then gets this long again (curl times that wait apart, in
    /// whole seconds), so a delivery takes at most about twice it.
    std::chrono::milliseconds timeout{std::chrono::seconds{60}};
};

/// How the connection must be secured.
enum class TlsMode {
    implicit,       ///< smtps://: TLS from the first byte
    required,       ///< smtp:// with STARTTLS, refused if the server does not offer it
    opportunistic,  ///< smtp:// with STARTTLS if offered, else plain
};

/// Why `url` cannot name an SMTP server (it does not parse, is not smtp:// or smtps://, has no
/// host), or "" if it can: the check the transport makes, for configuration to make early.
[[nodiscard]] std::string smtp_url_problem(const std::string& url);

/// 127.0.0.0/8, ::1 (bracketed or not, or IPv4-mapped) or `localhost`.
[[nodiscard]] bool is_loopback_host(std::string_view host);

/// The TLS mode for a URL's scheme and host under the options.
[[nodiscard]] TlsMode tls_mode_for(std::string_view scheme, std::string_view host, const SmtpOptions& options);

/// The SMTP command an exchange had reached when it failed.
enum class SmtpStep { connect, ehlo, starttls, auth, mail_from, rcpt_to, data };

/// Whether the failure is the message's own (a 5xx for its recipient or its content), so
/// retrying cannot help. Anything else — no connection, a timeout, a 4xx, a TLS or login
/// problem, a sender the server refuses — is the server's or the configuration's, and
/// temporary: fixing it lets the queued message through.
[[nodiscard]] bool is_permanent_failure(SmtpStep step, long reply_code);

class CurlSmtpTransport final : public MailTransport {
public:
    /// Throws std::invalid_argument for a URL that is not smtp:// or smtps:// with a host, or
    /// a CA file that cannot be read.
    explicit CurlSmtpTransport(SmtpOptions options);

    std::string deliver(const MailMessage& message) override;
    [[nodiscard]] std::string_view kind() const override { return "smtp"; }
    /// Fails the delivery in hand at once, wherever it waits (its sockets are shut down: the
    /// QUIT curl sends when a transfer ends waits without asking the progress callback), and
    /// every later one. For good: a stopped relay's transport.
    void interrupt() override;

    /// The URL without credentials, for the log.
    [[nodiscard]] const std::string& endpoint() const { return endpoint_; }
    [[nodiscard]] TlsMode tls_mode() const { return tls_mode_; }

private:
    SmtpOptions options_;
    std::string url_;  ///< what curl connects to: no credentials, the EHLO name as the path
    std::string endpoint_;
    std::string user_;
    std::string password_;
    TlsMode tls_mode_ = TlsMode::required;
    bool loopback_ = false;  ///< the relay is on this machine (127.0.0.0/8, ::1, localhost)
    std::atomic<bool> interrupted_{false};
    std::atomic<bool> warned_unused_credentials_{false};

    friend struct SocketHooks;  // curl's open and close callbacks, in the .cpp
    std::mutex sockets_mutex_;
    /// curl's connections in flight, and the delivery (its SocketHooks) that opened each.
    std::vector<std::pair<int, const void*>> open_sockets_;
};

}  // namespace jambo::smtp
