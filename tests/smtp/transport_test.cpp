#include <jambo/smtp/curl_smtp_transport.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

using namespace jambo;
using smtp::SmtpStep;
using smtp::TlsMode;

TEST_CASE("loopback hosts are 127.0.0.0/8 - ::1 - and localhost only", "[smtp]") {
    for (const auto* host : {"127.0.0.1", "127.255.3.9", "localhost", "LocalHost.", "[::1]", "::1",
                             "::ffff:127.0.0.1", "[0:0:0:0:0:0:0:1]"}) {
        INFO(host);
        CHECK(smtp::is_loopback_host(host));
    }
    for (const auto* host : {"128.0.0.1", "10.0.0.1", "0.0.0.0", "[::2]", "::", "mail.example.org",
                             "localhost.example.org", "127.0.0.1.example.org", "", "[::ffff:10.0.0.1]"}) {
        INFO(host);
        CHECK_FALSE(smtp::is_loopback_host(host));
    }
}

TEST_CASE("smtp:// requires STARTTLS except to loopback - or when plain text is allowed", "[smtp]") {
    smtp::SmtpOptions defaults;
    CHECK(smtp::tls_mode_for("smtp", "mail.example.org", defaults) == TlsMode::required);
    CHECK(smtp::tls_mode_for("smtp", "127.0.0.1", defaults) == TlsMode::opportunistic);
    CHECK(smtp::tls_mode_for("smtps", "127.0.0.1", defaults) == TlsMode::implicit);
    CHECK(smtp::tls_mode_for("SMTPS", "mail.example.org", defaults) == TlsMode::implicit);

    smtp::SmtpOptions strict{.loopback_plaintext = false};
    CHECK(smtp::tls_mode_for("smtp", "127.0.0.1", strict) == TlsMode::required);
    CHECK(smtp::tls_mode_for("smtp", "localhost", strict) == TlsMode::required);

    smtp::SmtpOptions relay{.allow_plaintext = true};
    CHECK(smtp::tls_mode_for("smtp", "10.1.2.3", relay) == TlsMode::opportunistic);
    CHECK(smtp::tls_mode_for("smtps", "10.1.2.3", relay) == TlsMode::implicit);
}

TEST_CASE("only a 5xx for the recipient or the message is a permanent failure", "[smtp]") {
    CHECK(smtp::is_permanent_failure(SmtpStep::rcpt_to, 550));
    CHECK(smtp::is_permanent_failure(SmtpStep::rcpt_to, 553));
    CHECK(smtp::is_permanent_failure(SmtpStep::data, 554));
    CHECK(smtp::is_permanent_failure(SmtpStep::data, 552));
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::rcpt_to, 450));
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::rcpt_to, 421));
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::data, 451));
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::connect, 0));    // refused, timed out
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::connect, 554));  // greeting: the server's state
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::ehlo, 502));
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::starttls, 454));
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::auth, 535));       // our credentials
    CHECK_FALSE(smtp::is_permanent_failure(SmtpStep::mail_from, 550));  // our sender
}

TEST_CASE("the SMTP URL is checked at start-up - and its credentials never reach the log", "[smtp]") {
    for (const auto* url : {"http://mail.example.org", "smtp://", "mail.example.org:25", "", "smtp://[::1"}) {
        INFO(url);
        CHECK_THROWS_AS(smtp::CurlSmtpTransport(smtp::SmtpOptions{.url = url}), std::invalid_argument);
    }
    smtp::CurlSmtpTransport plain(smtp::SmtpOptions{.url = "smtp://user:pa%40ss@Mail.Example.org"});
    CHECK(plain.endpoint() == "smtp://mail.example.org:25");
    CHECK(plain.tls_mode() == TlsMode::required);
    smtp::CurlSmtpTransport secure(smtp::SmtpOptions{.url = "smtps://user:secret@mail.example.org:2465"});
    CHECK(secure.endpoint() == "smtps://mail.example.org:2465");
    CHECK(secure.tls_mode() == TlsMode::implicit);
    smtp::CurlSmtpTransport local(smtp::SmtpOptions{.url = "smtp://127.0.0.1:2525"});
    CHECK(local.tls_mode() == TlsMode::opportunistic);
    CHECK(local.kind() == "smtp");
}

TEST_CASE("an unreadable CA file is refused at start-up", "[smtp]") {
    CHECK_THROWS_AS(smtp::CurlSmtpTransport(smtp::SmtpOptions{.url = "smtp://127.0.0.1:2525",
                                                              .ca_file = "/nonexistent/ca.pem"}),
                    std::invalid_argument);
}

TEST_CASE("a message with an unusable address fails for good before any connection", "[smtp]") {
    // Port 9 on a host that does not resolve: reaching the network would fail differently.
    smtp::CurlSmtpTransport transport(smtp::SmtpOptions{.url = "smtp://invalid.invalid:9"});
    smtp::MailMessage message{"Jambo <no-reply@jambo.test>", "a@example.org\r\nRCPT TO:<v@example.org>", "s", "b",
                              core::TimePoint{}, "x@jambo.test"};
    try {
        (void)transport.deliver(message);
        FAIL("delivered");
    } catch (const smtp::DeliveryError& e) {
        INFO(e.what());
        CHECK(e.permanent());
        CHECK(std::string(e.what()).find("To") != std::string::npos);
    }
}

TEST_CASE("after interrupt every delivery fails at once - as temporary", "[smtp]") {
    smtp::CurlSmtpTransport transport(smtp::SmtpOptions{.url = "smtp://invalid.invalid:9"});
    transport.interrupt();
    smtp::MailMessage message{"Jambo <no-reply@jambo.test>", "a@example.org", "s", "b", core::TimePoint{},
                              "x@jambo.test"};
    try {
        (void)transport.deliver(message);
        FAIL("delivered");
    } catch (const smtp::DeliveryError& e) {
        CHECK_FALSE(e.permanent());
    }
}

namespace {

// An SMTP server that takes the whole message and then never answers its end, as a relay
// that hangs while it scans the mail does: curl waits there outside its overall timeout.
class SilentAfterData {
public:
    SilentAfterData() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) == 0);
        REQUIRE(::listen(listener_, 4) == 0);
        REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~SilentAfterData() {
        ::shutdown(listener_, SHUT_RDWR);
        if (thread_.joinable()) thread_.join();
        ::close(listener_);
    }
    SilentAfterData(const SilentAfterData&) = delete;
    SilentAfterData& operator=(const SilentAfterData&) = delete;

    [[nodiscard]] std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    [[nodiscard]] bool message_received() const { return message_received_; }
    /// Whether the client said anything after the message's end (curl's QUIT, which would wait
    /// for its reply as long again). Read once the server's thread is done with the client.
    [[nodiscard]] bool heard_after_message() {
        if (thread_.joinable()) thread_.join();
        return heard_after_message_;
    }

private:
    void serve() {
        const int client = ::accept(listener_, nullptr, nullptr);
        if (client < 0) return;
        const auto say = [client](std::string_view line) { (void)::send(client, line.data(), line.size(), MSG_NOSIGNAL); };
        say("220 silent ESMTP\r\n");
        std::string buffer;
        bool in_data = false;
        char chunk[4096];
        for (;;) {
            const auto got = ::recv(client, chunk, sizeof chunk, 0);
            if (got <= 0) break;
            buffer.append(chunk, static_cast<std::size_t>(got));
            for (auto end = buffer.find("\r\n"); end != std::string::npos; end = buffer.find("\r\n")) {
                const std::string line = buffer.substr(0, end);
                buffer.erase(0, end + 2);
                if (message_received_) {
                    heard_after_message_ = true;
                } else if (in_data) {
                    if (line == ".") message_received_ = true;  // and no reply, ever
                } else if (line.starts_with("DATA")) {
                    in_data = true;
                    say("354 go ahead\r\n");
                } else {
                    say("250 ok\r\n");
                }
            }
        }
        ::close(client);
    }

    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> message_received_{false};
    bool heard_after_message_ = false;
};

smtp::MailMessage test_message() {
    return smtp::MailMessage{"Jambo <no-reply@jambo.test>", "a@example.org", "s", "b", core::TimePoint{}, "x@jambo.test"};
}

// Delivers the test message, which must fail for a reason worth retrying; returns that reason.
std::string temporary_failure(smtp::CurlSmtpTransport& transport) {
    try {
        (void)transport.deliver(test_message());
    } catch (const smtp::DeliveryError& e) {
        CHECK_FALSE(e.permanent());
        return e.what();
    }
    FAIL("delivered");
    return {};
}

}  // namespace

// The bounds below are far above what the transport takes (about a second) and far below what
// it took before (curl's 120 s wait for the reply to the message's end): not a benchmark.
TEST_CASE("a server silent after the message's end fails the delivery within the SMTP timeout", "[smtp]") {
    SilentAfterData server;
    smtp::CurlSmtpTransport transport(smtp::SmtpOptions{.url = server.url(), .timeout = std::chrono::seconds{1}});
    const auto started = std::chrono::steady_clock::now();
    const auto reason = temporary_failure(transport);
    INFO(reason);
    CHECK(reason.find("at DATA") != std::string::npos);
    CHECK(server.message_received());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{60});
    // The failed connection is dropped, not closed with a QUIT that waits for a reply again.
    CHECK_FALSE(server.heard_after_message());
}

TEST_CASE("interrupt ends a delivery waiting for the reply to the message's end", "[smtp]") {
    SilentAfterData server;
    smtp::CurlSmtpTransport transport(smtp::SmtpOptions{.url = server.url(), .timeout = std::chrono::minutes{5}});
    std::thread stopper([&] {
        while (!server.message_received()) std::this_thread::sleep_for(std::chrono::milliseconds{10});
        std::this_thread::sleep_for(std::chrono::milliseconds{200});  // curl is waiting for the reply now
        transport.interrupt();
    });
    const auto started = std::chrono::steady_clock::now();
    (void)temporary_failure(transport);
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds{60});
}
