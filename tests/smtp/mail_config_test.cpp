#include "command_line.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using testing::Env;
using namespace std::chrono_literals;

namespace {

app::ServeConfig serve(std::vector<std::string> args) { return testing::parsed(std::move(args)).config.serve; }

}  // namespace

TEST_CASE("mail settings default to files in development - and a day of retries", "[smtp]") {
    auto config = serve({});
    CHECK_FALSE(config.smtp_url);
    CHECK_FALSE(config.smtp_allow_plaintext);
    CHECK(config.smtp_loopback_plaintext);
    CHECK(config.smtp_ca_file.empty());
    CHECK(config.mail_reply_to.empty());
    CHECK(config.smtp_connect_timeout == 10s);
    CHECK(config.smtp_timeout == 60s);
    CHECK(config.mail_retry.first == 5s);
    CHECK(config.mail_retry.max == 5min);
    CHECK(config.mail_retry.give_up_after == 24h);
}

TEST_CASE("every mail setting reads its environment variable - and a flag wins", "[smtp]") {
    Env url("JAMBO_SMTP_URL", "smtps://u:p@mail.example.org:465");
    Env plain("JAMBO_SMTP_ALLOW_PLAINTEXT", "1");
    Env loopback("JAMBO_SMTP_LOOPBACK_PLAINTEXT", "0");
    Env ca("JAMBO_SMTP_CA_FILE", "/etc/jambo/ca.pem");
    Env from("JAMBO_MAIL_FROM", "Jambo <no-reply@jambo.example>");
    Env reply_to("JAMBO_MAIL_REPLY_TO", "Privacy <privacy@jambo.example>");
    Env connect("JAMBO_SMTP_CONNECT_TIMEOUT", "3s");
    Env timeout("JAMBO_SMTP_TIMEOUT", "20s");
    Env first("JAMBO_MAIL_RETRY_FIRST", "2s");
    Env max("JAMBO_MAIL_RETRY_MAX", "1m");
    Env retry_for("JAMBO_MAIL_RETRY_FOR", "2h");
    auto config = serve({"--mail-retry-first", "1500ms", "--smtp-url", "smtp://relay.internal:25"});
    CHECK(config.smtp_url == "smtp://relay.internal:25");
    CHECK(config.smtp_allow_plaintext);
    CHECK_FALSE(config.smtp_loopback_plaintext);
    CHECK(config.smtp_ca_file == "/etc/jambo/ca.pem");
    CHECK(config.mail_from == "Jambo <no-reply@jambo.example>");
    CHECK(config.mail_reply_to == "Privacy <privacy@jambo.example>");
    CHECK(config.smtp_connect_timeout == 3s);
    CHECK(config.smtp_timeout == 20s);
    CHECK(config.mail_retry.first == 1500ms);
    CHECK(config.mail_retry.max == 1min);
    CHECK(config.mail_retry.give_up_after == 2h);
}

TEST_CASE("a mail setting that makes no sense is a usage error", "[smtp]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--smtp-url", "http://mail.example.org"},
                                                                  {"--mail-retry-for", "forever"},
                                                                  {"--smtp-timeout", "0s"},
                                                                  {"--smtp-loopback-plaintext", "maybe"},
                                                                  {"--mail-from", "nobody"}}) {
        CHECK(testing::early_exit(args).code == 2);
    }
    // An SMTP URL is checked as the transport would parse it, and the error names the flag.
    for (const char* url : {"smtp://mail.example.org:99999", "smtp://", "smtps://[::1", "smtp://mail.example.org:0",
                            "smtp://mail.example.org?tls=1", "smtp://mail.example.org/#x"}) {
        INFO(url);
        const auto exit = testing::early_exit({"--smtp-url", url});
        CHECK(exit.code == 2);
        CHECK(exit.err.find("--smtp-url") != std::string::npos);
    }
}

TEST_CASE("a sender the mail formatter would refuse stops the server at start", "[smtp]") {
    // Each of these used to be accepted at start; then every deletion mail was abandoned at
    // delivery ("From is not a usable mail address") while customers were told it was sent.
    for (const char* from : {"a@", "@b.com", "Jambo <no-reply@localhost", "x <a@b.com> y", "Smith, John <p@example.com>",
                             "A@B <a@b.com>", "p@\xe4\xbe\x8b.jp", "a@b.com, c@d.com", "Jambo <a b@c.com>",
                             "Jambo <a..b@c.com>"}) {
        INFO(from);
        for (const char* flag : {"--mail-from", "--mail-reply-to"}) {
            const auto exit = testing::early_exit({flag, from});
            CHECK(exit.code == 2);
            CHECK(exit.err.find(flag) != std::string::npos);
            CHECK(exit.err.find("quote a display name") != std::string::npos);
        }
    }
    for (const char* from : {"no-reply@example.com", "Jambo <no-reply@localhost>", "\"Smith, John\" <p@example.com>",
                             "Zo\xc3\xab Privacy <p@example.com>"}) {
        INFO(from);
        CHECK(serve({"--mail-from", from}).mail_from == from);
        CHECK(serve({"--mail-reply-to", from}).mail_reply_to == from);
    }
}
