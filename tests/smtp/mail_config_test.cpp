#include <jambo/app/config.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace jambo;
using namespace std::chrono_literals;

namespace {

std::variant<app::Invocation, app::EarlyExit> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "jambo");
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    return app::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

app::ServeConfig serve(std::vector<std::string> args) {
    auto result = parse(std::move(args));
    if (const auto* exit = std::get_if<app::EarlyExit>(&result)) FAIL(exit->err);
    return std::get<app::Invocation>(result).config.serve;
}

struct Env {
    Env(const char* variable, const char* value) : name(variable) { ::setenv(variable, value, 1); }
    ~Env() { ::unsetenv(name); }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    const char* name;
};

}  // namespace

TEST_CASE("mail settings default to files in development - and a day of retries", "[smtp]") {
    auto config = serve({});
    CHECK_FALSE(config.smtp_url);
    CHECK_FALSE(config.smtp_allow_plaintext);
    CHECK(config.smtp_loopback_plaintext);
    CHECK(config.smtp_ca_file.empty());
    CHECK(config.smtp_connect_timeout == 10s);
    CHECK(config.smtp_timeout == 60s);
    CHECK(config.mail_retry_first == 5s);
    CHECK(config.mail_retry_max == 5min);
    CHECK(config.mail_retry_for == 24h);
}

TEST_CASE("every mail setting reads its environment variable - and a flag wins", "[smtp]") {
    Env url("JAMBO_SMTP_URL", "smtps://u:p@mail.example.org:465");
    Env plain("JAMBO_SMTP_ALLOW_PLAINTEXT", "1");
    Env loopback("JAMBO_SMTP_LOOPBACK_PLAINTEXT", "0");
    Env ca("JAMBO_SMTP_CA_FILE", "/etc/jambo/ca.pem");
    Env from("JAMBO_MAIL_FROM", "Jambo <no-reply@jambo.example>");
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
    CHECK(config.smtp_connect_timeout == 3s);
    CHECK(config.smtp_timeout == 20s);
    CHECK(config.mail_retry_first == 1500ms);
    CHECK(config.mail_retry_max == 1min);
    CHECK(config.mail_retry_for == 2h);
}

TEST_CASE("a mail setting that makes no sense is a usage error", "[smtp]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--smtp-url", "http://mail.example.org"},
                                                                  {"--mail-retry-for", "forever"},
                                                                  {"--smtp-timeout", "0s"},
                                                                  {"--smtp-loopback-plaintext", "maybe"},
                                                                  {"--mail-from", "nobody"}}) {
        auto result = parse(args);
        REQUIRE(std::holds_alternative<app::EarlyExit>(result));
        CHECK(std::get<app::EarlyExit>(result).code == 2);
    }
}
