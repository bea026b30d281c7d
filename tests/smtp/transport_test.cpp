#include <jambo/smtp/curl_smtp_transport.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>

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
