#include "command_line.hpp"

#include <jambo/app/config.hpp>
#include <jambo/app/logging.hpp>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sched.h>

using namespace jambo;
using testing::Env;
using testing::parse;
using testing::early_exit;
using testing::parsed;

TEST_CASE("with no arguments jambo serves with the contract's defaults", "[http]") {
    auto invocation = parsed({});
    CHECK(invocation.command.kind == app::CommandKind::serve);
    const auto& config = invocation.config;
    CHECK(config.db == "./jambo.db");
    CHECK(config.serve.server.address == "127.0.0.1");
    CHECK(config.serve.server.port == 8000);
    CHECK(config.serve.policy.public_url == "http://localhost:8000");
    CHECK(config.serve.policy.allowed_origins.empty());
    CHECK(config.serve.mail_dir == "./jambo-mail/");
    CHECK(config.serve.mail_from == "Jambo <no-reply@localhost>");
    CHECK(config.serve.policy.deletion_token_ttl == std::chrono::hours(1));
    CHECK(config.serve.confirm_on_get == http::ConfirmOnGet::api);
    CHECK(config.serve.policy.deletion_requests_per_hour == 3);
    CHECK_FALSE(config.serve.policy.deletion_mails_per_address_per_hour);  // not given: no limit per address
    CHECK(config.serve.policy.default_calling_code == "254");
    CHECK(config.serve.server.header_timeout == std::chrono::seconds(10));
    CHECK(config.serve.server.request_timeout == std::chrono::seconds(30));
    CHECK(config.serve.server.idle_timeout == std::chrono::seconds(60));
    CHECK(config.serve.server.max_body_bytes == 64 * 1024);
    CHECK(config.serve.server.threads >= 1);
    CHECK(config.serve.server.handle_signals);  // the library's default is off; the executable stops on SIGTERM
    CHECK(config.log_level == "info");
    CHECK(config.log_format == app::LogFormat::text);
}

TEST_CASE("every setting reads its environment variable - and a flag wins", "[http]") {
    Env listen("JAMBO_LISTEN", "0.0.0.0:9000");
    Env db("JAMBO_DB", "/tmp/env.db");
    Env ttl("JAMBO_DELETION_TOKEN_TTL", "10m");
    Env confirm("JAMBO_CONFIRM_ON_GET", "never");
    Env origins("JAMBO_ALLOWED_ORIGINS", "https://A.example/, http://b.example:8080");
    Env format("JAMBO_LOG_FORMAT", "json");
    Env url("JAMBO_PUBLIC_URL", "https://jambo.example/");
    Env per_address("JAMBO_DELETION_MAILS_PER_ADDRESS_PER_HOUR", "12");
    auto invocation = parsed({"--listen", "[::1]:8001", "--header-timeout", "1500ms"});
    const auto& config = invocation.config;
    CHECK(config.serve.server.address == "::1");
    CHECK(config.serve.server.port == 8001);
    CHECK(config.db == "/tmp/env.db");
    CHECK(config.serve.policy.deletion_token_ttl == std::chrono::minutes(10));
    CHECK(config.serve.confirm_on_get == http::ConfirmOnGet::never);
    CHECK(config.serve.policy.allowed_origins == std::vector<std::string>{"https://a.example", "http://b.example:8080"});
    CHECK(config.log_format == app::LogFormat::json);
    CHECK(config.serve.server.log_json);
    CHECK(config.serve.policy.public_url == "https://jambo.example");
    CHECK(config.serve.server.header_timeout == std::chrono::milliseconds(1500));
    CHECK(config.serve.policy.deletion_mails_per_address_per_hour == 12U);
    CHECK(parsed({"--deletion-mails-per-address-per-hour", "5"}).config.serve.policy.deletion_mails_per_address_per_hour == 5U);
}

TEST_CASE("every command's --db, --durability and log flags win over their variables", "[http]") {
    Env db("JAMBO_DB", "/tmp/env.db");
    Env durability("JAMBO_DURABILITY", "full");
    Env level("JAMBO_LOG_LEVEL", "error");
    Env format("JAMBO_LOG_FORMAT", "json");
    const std::vector<std::vector<std::string>> commands = {
        {"serve"}, {"migrate"}, {"staff", "add", "--email", "e@x.test"}, {"staff", "list"},
        {"token", "issue", "--customer", "01HWJ8WH9X8WBK65EMGY9YKPBS"}, {"token", "revoke", "jmb_x"},
        {"backup", "copy.db"}, {}};
    for (auto args : commands) {
        INFO((args.empty() ? std::string("(no command)") : args.front()) + (args.size() > 1 ? " " + args[1] : ""));
        CHECK(parsed(args).config.db == "/tmp/env.db");
        for (std::string flag : {"--db=/tmp/flag.db", "--durability=normal", "--log-level=debug", "--log-format=text"}) {
            args.push_back(flag);
        }
        const auto config = parsed(args).config;
        CHECK(config.db == "/tmp/flag.db");
        CHECK(config.durability == sqlite::Durability::normal);
        CHECK(config.log_level == "debug");
        CHECK(config.log_format == app::LogFormat::text);
    }
}

TEST_CASE("a bad flag or value is one line on stderr and exit status 2", "[http]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                  {"--threads", "0"},
                                                                  {"--listen", "nowhere"},
                                                                  {"--deletion-token-ttl", "soon"},
                                                                  {"--confirm-on-get", "always"},
                                                                  {"--deletion-mails-per-address-per-hour", "0"},
                                                                  {"--allowed-origins", "ftp://x"},
                                                                  {"--allowed-origins", "https://a.example:99999"},
                                                                  {"--public-url", "http://x.example:0"},
                                                                  {"--public-url", "http://user@x.example/jambo"},
                                                                  {"--public-url", "http://x.example:65536/"},
                                                                  {"--public-url", "http://x..y/"},
                                                                  {"--public-url", "http://-x-/"},
                                                                  {"--public-url", "http://x.example/%zz"},
                                                                  {"--allowed-origins", "http://x..y"},
                                                                  {"--allowed-origins", "http://-x-"},
                                                                  {"--allowed-origins", "http://a.example,,http://b.example"},
                                                                  {"--allowed-origins", "http://a.example,"},
                                                                  {"--allowed-origins", ","},
                                                                  {"--log-format", "xml"},
                                                                  {"staff", "add"},
                                                                  {"token", "issue"},
                                                                  {"token", "issue", "--customer", "x", "--staff", "y"},
                                                                  {"backup"},
                                                                  {"frobnicate"}}) {
        auto exit = early_exit(args);
        CHECK(exit.code == 2);
        CHECK(exit.out.empty());
        CHECK(exit.err.starts_with("jambo: "));
        CHECK(std::count(exit.err.begin(), exit.err.end(), '\n') == 1);
    }
    Env bad("JAMBO_THREADS", "many");
    CHECK(early_exit({}).code == 2);
}

TEST_CASE("the default thread count is the cores the process may run on - its CPU affinity", "[http]") {
    cpu_set_t before;
    REQUIRE(::sched_getaffinity(0, sizeof before, &before) == 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &before)) {
            CPU_SET(cpu, &one);
            break;
        }
    }
    REQUIRE(::sched_setaffinity(0, sizeof one, &one) == 0);  // as `taskset -c N` would
    const auto threads = parsed({"serve"}).config.serve.server.threads;
    REQUIRE(::sched_setaffinity(0, sizeof before, &before) == 0);
    CHECK(threads == 1);
    CHECK(parsed({"serve"}).config.serve.server.threads == static_cast<unsigned>(CPU_COUNT(&before)));
}

TEST_CASE("a usage error points to the help that lists the flags concerned", "[http]") {
    // `jambo --help` lists the commands only; each command's --help lists its flags.
    CHECK(early_exit({"serve", "--threads", "x"}).err.ends_with("(see jambo serve --help)\n"));
    CHECK(early_exit({"--threads", "x"}).err.ends_with("(see jambo serve --help)\n"));  // serve is the default
    CHECK(early_exit({"staff", "add"}).err.ends_with("(see jambo staff add --help)\n"));
    CHECK(early_exit({"token", "issue", "--customer"}).err.ends_with("(see jambo token issue --help)\n"));
    CHECK(early_exit({"backup"}).err.ends_with("(see jambo backup --help)\n"));
    CHECK(early_exit({"frobnicate"}).err.ends_with("(see jambo --help)\n"));
}

TEST_CASE("numbers are decimal - 010 is ten threads - hex and octal forms are refused", "[http]") {
    // CLI11 alone read --threads 010 as octal 8, 0x2 as 2, and said 08 was out of range.
    CHECK(parsed({"serve", "--threads", "010"}).config.serve.server.threads == 10);
    CHECK(parsed({"serve", "--threads", "08"}).config.serve.server.threads == 8);
    CHECK(parsed({"serve", "--max-connections", " 0100 "}).config.serve.server.max_connections == 100);
    for (const auto& value : {"0x2", "0b11", "2e0", "1_0", "+2", "-1"}) {
        INFO(value);
        auto exit = early_exit({"serve", "--threads", value});
        CHECK(exit.code == 2);
        CHECK(exit.err.find("expected a decimal number") != std::string::npos);
    }
    Env hex("JAMBO_DELETION_REQUESTS_PER_HOUR", "0x10");
    CHECK(early_exit({}).code == 2);
    // Set only in the environment, the value is named by its variable too.
    CHECK(early_exit({}).err.starts_with("jambo: --deletion-requests-per-hour (JAMBO_DELETION_REQUESTS_PER_HOUR): "));
}

TEST_CASE("an empty flag value is an error naming the flag - an empty variable counts as unset", "[http]") {
    // `--db ""` used to serve a temporary, unmigrated database: 503 and 500 to every request.
    for (const auto& args : std::vector<std::vector<std::string>>{{"serve", "--db", ""},
                                                                  {"backup", "b.db", "--db", ""},
                                                                  {"serve", "--allowed-origins", ""},
                                                                  {"serve", "--smtp-ca-file", ""},
                                                                  {"serve", "--mail-dir", ""},
                                                                  {"token", "issue", "--customer", ""},
                                                                  {"backup", ""}}) {
        INFO(args.back());
        auto exit = early_exit(args);
        CHECK(exit.code == 2);
        CHECK(exit.err.find("needs a value, not an empty one") != std::string::npos);
    }
    Env empty("JAMBO_DB", "");
    CHECK(parsed({"serve"}).config.db == "./jambo.db");
}

TEST_CASE("a flag written with = and no value is an error - not the flag taking the next argument", "[http]") {
    // CLI11 alone ran with a mail directory called "--smtp-allow-plaintext".
    auto exit = early_exit({"serve", "--mail-dir=", "--smtp-allow-plaintext"});
    CHECK(exit.code == 2);
    CHECK(exit.err ==
          "jambo: --mail-dir= has no value after '='; give one, or leave the flag out (see jambo serve --help)\n");
    CHECK(parsed({"serve", "--mail-dir=m", "--smtp-allow-plaintext"}).config.serve.mail_dir == "m");
}

TEST_CASE("on/off settings take 1/0, true/false, yes/no or on/off - anything else is an error", "[http]") {
    CHECK(parsed({"serve", "--smtp-allow-plaintext"}).config.serve.smtp_allow_plaintext);
    CHECK_FALSE(parsed({"serve"}).config.serve.smtp_allow_plaintext);
    for (const auto& [value, on] : std::vector<std::pair<std::string, bool>>{
             {"1", true}, {"Yes", true}, {" on ", true}, {"TRUE", true}, {"0", false}, {"off", false}, {"No", false}}) {
        INFO(value);
        Env allow("JAMBO_SMTP_ALLOW_PLAINTEXT", value.c_str());
        Env loopback("JAMBO_SMTP_LOOPBACK_PLAINTEXT", value.c_str());
        const auto config = parsed({"serve"}).config;
        CHECK(config.serve.smtp_allow_plaintext == on);
        CHECK(config.serve.smtp_loopback_plaintext == on);
    }
    // CLI11 alone read 2 and -1 as on and off, and answered "maybe" with "Could not convert".
    for (const auto& value : {"maybe", "2", "-1", "y"}) {
        INFO(value);
        Env allow("JAMBO_SMTP_ALLOW_PLAINTEXT", value);
        auto exit = early_exit({});
        CHECK(exit.code == 2);
        CHECK(exit.err.starts_with("jambo: --smtp-allow-plaintext (JAMBO_SMTP_ALLOW_PLAINTEXT): "));
        CHECK(exit.err.find("expected 1 or 0 (or true/false, yes/no, on/off)") != std::string::npos);
    }
    auto exit = early_exit({"serve", "--smtp-loopback-plaintext", "nein"});
    CHECK(exit.code == 2);
    CHECK(exit.err.find("--smtp-loopback-plaintext (JAMBO_SMTP_LOOPBACK_PLAINTEXT): ") != std::string::npos);
}

TEST_CASE("every on/off flag takes its value after '=' or as the next word - alone it means on", "[http]") {
    const auto serve = [](std::vector<std::string> args) { return parsed(std::move(args)).config.serve; };
    for (const auto* spelling : {"--smtp-allow-plaintext", "--smtp-loopback-plaintext", "--core-dumps"}) {
        INFO(spelling);
        const std::string flag = spelling;
        const auto setting = [&](const app::ServeConfig& s) {
            if (flag == "--core-dumps") return s.core_dumps;
            return flag == "--smtp-allow-plaintext" ? s.smtp_allow_plaintext : s.smtp_loopback_plaintext;
        };
        CHECK(setting(serve({"serve", flag})));
        CHECK(setting(serve({"serve", flag, "--listen", "127.0.0.1:9"})));  // alone, another flag after it
        CHECK_FALSE(setting(serve({"serve", flag + "=0"})));
        CHECK_FALSE(setting(serve({"serve", flag, "0"})));
        CHECK_FALSE(setting(serve({"serve", flag, "no"})));
        CHECK(setting(serve({"serve", flag, "yes"})));
        CHECK(setting(serve({flag, "on"})));  // serve being the default command
        // A command after it is not its value: refused as a command after serve's flags, not as "serve"
        // for 1 or 0.
        CHECK(early_exit({flag, "serve"}).err.find("not expected: serve") != std::string::npos);
        // An unset "$VAR": no value, which must not read as on.
        const auto empty = early_exit({"serve", flag, ""});
        CHECK(empty.code == 2);
        CHECK(empty.err == "jambo: " + flag + " is followed by an empty value; give 1 or 0, or leave the flag out "
                                              "(see jambo serve --help)\n");
    }
}

TEST_CASE("a command reads only its own variables - a bad serve setting does not stop a backup", "[http]") {
    Env threads("JAMBO_THREADS", "abc");
    Env url("JAMBO_PUBLIC_URL", "not a url");
    Env db("JAMBO_DB", "/tmp/shared-env.db");
    for (const auto& args : std::vector<std::vector<std::string>>{{"migrate"},
                                                                  {"backup", "b.db"},
                                                                  {"staff", "add", "--email", "a@example.org"},
                                                                  {"staff", "list"},
                                                                  {"token", "revoke", "-"}}) {
        INFO(args.front());
        const auto invocation = parsed(args);
        CHECK(invocation.config.db == "/tmp/shared-env.db");  // the variables they take still count
    }
    auto exit = early_exit({"serve"});
    CHECK(exit.code == 2);
    CHECK(exit.err.starts_with("jambo: --threads (JAMBO_THREADS): "));
}

TEST_CASE("URL schemes are case-insensitive - and links use the lower-case form", "[http]") {
    CHECK(parsed({"--public-url", "HTTPS://jambo.example/"}).config.serve.policy.public_url == "https://jambo.example");
    CHECK(parsed({"--smtp-url", "SMTP://mail.example:587"}).config.serve.smtp_url == "smtp://mail.example:587");
    Env url("JAMBO_PUBLIC_URL", "Http://jambo.example");
    CHECK(parsed({}).config.serve.policy.public_url == "http://jambo.example");
}

TEST_CASE("a public URL may carry a port and a path", "[http]") {
    CHECK(parsed({"--public-url", "https://x.example:8443/jambo/"}).config.serve.policy.public_url ==
          "https://x.example:8443/jambo");
    CHECK(parsed({"--public-url", "http://[::1]:8000"}).config.serve.policy.public_url == "http://[::1]:8000");
}

TEST_CASE("jambo --help lists the subcommands and --version prints the version", "[http]") {
    auto help = early_exit({"--help"});
    CHECK(help.code == 0);
    for (auto name : {"serve", "migrate", "staff", "token", "backup"}) CHECK(help.out.find(name) != std::string::npos);
    auto version = early_exit({"--version"});
    CHECK(version.code == 0);
    CHECK(version.out.find(app::version) != std::string::npos);
    auto serve_help = early_exit({"serve", "--help"});
    CHECK(serve_help.out.find("--public-url") != std::string::npos);
    CHECK(serve_help.out.find("JAMBO_PUBLIC_URL") != std::string::npos);
}

TEST_CASE("jambo help COMMAND shows that command's help, as git and cargo do", "[http]") {
    CHECK(early_exit({"help"}).out == early_exit({"--help"}).out);
    const auto issue = early_exit({"help", "token", "issue"});
    CHECK(issue.code == 0);
    CHECK(issue.out == early_exit({"token", "issue", "--help"}).out);
    CHECK(issue.out.find("--customer") != std::string::npos);
    CHECK(early_exit({"help", "serve"}).out.find("--public-url") != std::string::npos);

    // Not serve's help with bogus taken for its argument.
    const auto unknown = early_exit({"help", "bogus"});
    CHECK(unknown.code == 2);
    CHECK(unknown.out.empty());
    CHECK(unknown.err == "jambo: there is no command 'bogus'; the commands are serve, migrate, staff, token, backup "
                         "and restore (see jambo --help)\n");
    const auto unknown_token = early_exit({"help", "token", "bogus"});
    CHECK(unknown_token.code == 2);
    CHECK(unknown_token.err ==
          "jambo: there is no command 'token bogus'; the token commands are issue and revoke (see jambo token --help)\n");
    CHECK(early_exit({"help", "staff", "add"}).code == 0);
}

TEST_CASE("the subcommands and their arguments", "[http]") {
    auto add = parsed({"staff", "add", "--email", "e@x.test", "--name", "E", "--db", "x.db"});
    CHECK(add.command.kind == app::CommandKind::staff_add);
    CHECK(add.command.email == "e@x.test");
    CHECK(add.command.name == "E");
    CHECK(add.config.db == "x.db");
    CHECK(parsed({"staff", "list"}).command.kind == app::CommandKind::staff_list);
    auto issue = parsed({"token", "issue", "--customer", "01HWJ8WH9X8WBK65EMGY9YKPBS"});
    CHECK(issue.command.kind == app::CommandKind::token_issue);
    CHECK(issue.command.customer == "01HWJ8WH9X8WBK65EMGY9YKPBS");
    CHECK(parsed({"token", "issue", "--staff", "e@x.test"}).command.email == "e@x.test");
    CHECK(parsed({"token", "revoke", "jmb_x"}).command.token == "jmb_x");
    CHECK(parsed({"backup", "copy.db"}).command.file == "copy.db");
    CHECK(parsed({"migrate", "--db", "m.db"}).command.kind == app::CommandKind::migrate);
    CHECK(parsed({"--db", "s.db"}).command.kind == app::CommandKind::serve);
    CHECK(parsed({"serve", "--durability", "full"}).config.durability == sqlite::Durability::full);
}

TEST_CASE("listen addresses and durations parse strictly", "[http]") {
    CHECK(app::parse_listen("127.0.0.1:8000") == std::pair<std::string, std::uint16_t>{"127.0.0.1", 8000});
    CHECK(app::parse_listen("localhost:0") == std::pair<std::string, std::uint16_t>{"127.0.0.1", 0});
    CHECK(app::parse_listen("[::]:80") == std::pair<std::string, std::uint16_t>{"::", 80});
    CHECK_FALSE(app::parse_listen("127.0.0.1"));
    CHECK_FALSE(app::parse_listen("127.0.0.1:70000"));
    CHECK_FALSE(app::parse_listen("example.com:80"));
    // Checked as the socket takes an address, so the error names --listen before any bind.
    for (const char* bad : {"999.1.1.1:80", "1.2.3:80", "01.2.3.4:80", "[::g]:80", "[1.2.3.4]:80", "[]:80"}) {
        INFO(bad);
        CHECK_FALSE(app::parse_listen(bad));
    }
    CHECK(app::parse_listen("[::1]:8000") == std::pair<std::string, std::uint16_t>{"::1", 8000});
    CHECK(app::parse_listen("[fe80::1%lo]:8000") == std::pair<std::string, std::uint16_t>{"fe80::1%lo", 8000});
    CHECK_FALSE(app::parse_listen("[fe80::1%]:8000"));
    CHECK(app::parse_millis("90s") == std::chrono::seconds(90));
    CHECK(app::parse_millis("2h") == std::chrono::hours(2));
    CHECK(app::parse_millis("250ms") == std::chrono::milliseconds(250));
    CHECK_FALSE(app::parse_millis("0ms"));
    CHECK_FALSE(app::parse_millis("ms"));
    CHECK(app::parse_millis("31536000000ms") == std::chrono::days(365));  // every unit stops at 365 days
    CHECK_FALSE(app::parse_millis("31536000001ms"));
}

TEST_CASE("a duration out of range says which way - a malformed one shows the forms", "[http]") {
    const auto error_for = [](const char* value) { return early_exit({"--deletion-token-ttl", value}).err; };
    CHECK(error_for("0s") ==
          "jambo: --deletion-token-ttl (JAMBO_DELETION_TOKEN_TTL): must be more than zero (see jambo serve --help)\n");
    CHECK(error_for("000").find(": must be more than zero") != std::string::npos);
    CHECK(error_for("366d").find(": must be at most 365 days (365d, 8760h)") != std::string::npos);
    CHECK(error_for("8761h").find(": must be at most 365 days") != std::string::npos);
    for (const auto* malformed : {"1h30m", "-5m", "5 m", "h", "1w"}) {
        INFO(malformed);
        CHECK(error_for(malformed).find(": expected a duration like 90s, 10m, 2h or 1500ms") != std::string::npos);
    }
    CHECK(parsed({"--deletion-token-ttl", "8760h"}).config.serve.policy.deletion_token_ttl == std::chrono::days(365));
}

TEST_CASE("JSON log lines are one object - access entries keep their fields", "[http]") {
    auto line = app::json_log_line("2024-01-01T00:00:00Z", "info", "jambo", "say \"hi\"\n");
    auto parsed = boost::json::parse(line).as_object();
    CHECK(parsed.at("msg") == "say \"hi\"\n");
    CHECK(parsed.at("level") == "info");
    auto access = boost::json::parse(app::json_log_line("t", "info", "access", R"("method":"GET","status":200)"));
    CHECK(access.at("status") == 200);
    CHECK(access.at("logger") == "access");
}

TEST_CASE("an --smtp-url password is overwritten in argv itself - nothing else is touched", "[http]") {
    const auto hidden = [](std::vector<std::string> args) {
        std::vector<char*> argv{const_cast<char*>("jambo")};
        for (auto& arg : args) argv.push_back(arg.data());
        const bool any = app::hide_smtp_password(static_cast<int>(argv.size()), argv.data());
        return std::pair{any, std::vector<std::string>(argv.begin() + 1, argv.end())};
    };
    using Args = std::vector<std::string>;
    CHECK(hidden({"--smtp-url=smtp://u:secret@relay:587"}) == std::pair{true, Args{"--smtp-url=smtp://u:******@relay:587"}});
    CHECK(hidden({"serve", "--smtp-url", "smtps://u:p@ss@relay/x@y"}) ==
          std::pair{true, Args{"serve", "--smtp-url", "smtps://u:****@relay/x@y"}});  // '@' in the password; the path's is not
    CHECK(hidden({"--smtp-url", "smtp://u@relay"}) == std::pair{false, Args{"--smtp-url", "smtp://u@relay"}});
    CHECK(hidden({"--smtp-url", "smtp://u:@relay"}) == std::pair{false, Args{"--smtp-url", "smtp://u:@relay"}});
    CHECK(hidden({"--mail-from", "smtp://u:secret@relay"}) == std::pair{false, Args{"--mail-from", "smtp://u:secret@relay"}});
    CHECK(hidden({"--smtp-url"}) == std::pair{false, Args{"--smtp-url"}});
}
