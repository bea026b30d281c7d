#include <jambo/app/config.hpp>
#include <jambo/app/logging.hpp>

#include <jambo/core/policy.hpp>
#include <jambo/smtp/curl_smtp_transport.hpp>
#include <jambo/smtp/message_format.hpp>

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <sched.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <list>
#include <optional>
#include <thread>
#include <vector>

namespace jambo::app {

namespace {

const std::vector<std::string> subcommand_names = {"serve", "migrate", "staff", "token", "backup", "restore"};

// Without the blanks an env file may leave around a value.
std::string without_blanks(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string lower_ascii(std::string text) {
    std::ranges::transform(text, text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string check_duration(const std::string& text) {
    if (parse_millis(text)) return {};
    // A number with a unit that is out of range says so, rather than that it is malformed.
    const auto digits_end = std::min(text.find_first_not_of("0123456789"), text.size());
    const std::string_view unit = std::string_view(text).substr(digits_end);
    const bool well_formed = digits_end > 0 && (unit.empty() || unit == "ms" || unit == "s" || unit == "m" ||
                                                unit == "h" || unit == "d");
    if (!well_formed) return "expected a duration like 90s, 10m, 2h or 1500ms";
    if (std::min(text.find_first_not_of('0'), text.size()) == digits_end) return "must be more than zero";
    return "must be at most 365 days (365d, 8760h)";
}

std::string check_listen(const std::string& text) {
    return parse_listen(text) ? std::string() : "expected HOST:PORT with an IP address or localhost";
}

// URL schemes are case-insensitive (RFC 3986); the checks and every link use the lower-case form.
CLI::Validator lower_case_scheme() {
    return CLI::Validator(
        [](std::string& url) {
            const auto end = url.find("://");
            if (end != std::string::npos) url = lower_ascii(url.substr(0, end)) + url.substr(end);
            return std::string();
        },
        "");
}

std::string check_public_url(const std::string& text) {
    std::string_view url = text;
    while (url.ends_with('/')) url.remove_suffix(1);
    const bool scheme = url.starts_with("http://") || url.starts_with("https://");
    const bool clean = std::ranges::none_of(url, [](char c) { return c <= ' ' || c == 0x7f || c == '?' || c == '#'; });
    // Everything before the path must be an origin: a host, a port that exists, no user info.
    if (!scheme || !clean || !core::origin_of_url(url)) return "expected http(s)://host[:port][/path]";
    // Every link the server makes starts with it: a stray '%' would make them all malformed.
    for (auto percent = url.find('%'); percent != std::string_view::npos; percent = url.find('%', percent + 1)) {
        const auto hex = [&](std::size_t at) { return at < url.size() && std::isxdigit(static_cast<unsigned char>(url[at])); };
        if (!hex(percent + 1) || !hex(percent + 2)) return "'%' in the path must start an escape like %20";
    }
    return {};
}

// The items of a comma-separated list, blanks around each dropped, empty ones skipped.
std::vector<std::string_view> list_items(std::string_view text) {
    std::vector<std::string_view> items;
    while (!text.empty()) {
        const auto comma = text.find(',');
        auto item = text.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) items.push_back(item);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return items;
}

std::string check_origins(const std::string& text) {
    // All blank is the default; an empty item (a stray comma) is a typo, not "no origin".
    const auto items = list_items(text);
    const bool blank = std::ranges::all_of(text, [](char c) { return c == ' '; });
    if (!blank && static_cast<std::size_t>(std::ranges::count(text, ',')) + 1 != items.size()) {
        return "the list has an empty item (two commas in a row, or one at an end)";
    }
    for (const auto item : items) {
        if (!core::normalise_origin(item)) return "'" + std::string(item) + "' is not an origin (scheme://host[:port])";
    }
    return {};
}

// Numbers are decimal, as an operator writes them: CLI11 alone reads 010 as octal 8 and 0x2
// as hex. Leading zeros go, so 08 is 8; surrounding blanks (an env file's) are allowed.
CLI::Validator decimal_number() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const std::string digits = without_blanks(text);
            if (digits.empty() || !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; })) {
                return "expected a decimal number";
            }
            const auto significant = digits.find_first_not_of('0');
            text = significant == std::string::npos ? "0" : digits.substr(significant);
            return {};
        },
        "");  // the range check after it names the type
}

// On and off as an operator writes them. CLI11 alone took any number (2 and -1 too, which
// read as on and off) and answered a typo with "Could not convert".
CLI::Validator yes_or_no() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const std::string word = lower_ascii(without_blanks(text));
            const auto is_one_of = [&word](std::initializer_list<std::string_view> words) {
                return std::ranges::find(words, word) != words.end();
            };
            if (is_one_of({"1", "true", "yes", "on"})) {
                text = "true";
            } else if (is_one_of({"0", "false", "no", "off"})) {
                text = "false";
            } else {
                return "expected 1 or 0 (or true/false, yes/no, on/off)";
            }
            return {};
        },
        "");
}

std::string check_calling_code(const std::string& text) {
    bool digits = !text.empty() && text.size() <= 3 && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
    return digits && text[0] != '0' ? std::string() : "expected a calling code of 1 to 3 digits";
}

std::string check_smtp_url(const std::string& text) {
    if (!text.starts_with("smtp://") && !text.starts_with("smtps://")) return "expected smtp://... or smtps://...";
    return smtp::smtp_url_problem(text);
}

// Judged by the parser every message's From and Reply-To go through: an address it refuses
// would have every mail abandoned at delivery while customers are told their link was sent.
std::string check_mailbox(const std::string& text) {
    bool single_line = std::ranges::none_of(text, [](char c) { return c == '\r' || c == '\n'; });
    if (single_line && smtp::parse_mailbox(text)) return {};
    return "expected a mail address, as in 'Jambo <no-reply@example.com>' or 'no-reply@example.com' (an ASCII "
           "address; quote a display name that holds , ; : @ or parentheses)";
}

std::vector<std::string> split_origins(const std::string& text) {
    std::vector<std::string> origins;
    for (const auto item : list_items(text)) {
        if (auto origin = core::normalise_origin(item)) origins.push_back(*origin);
    }
    return origins;
}

// The raw text of settings that are converted after parsing.
struct RawSettings {
    std::string durability = "normal";
    std::string log_format = "text";
    std::string allowed_origins;
    std::string smtp_url;
    std::string deletion_token_ttl = duration_text(core::Policy{}.deletion_token_ttl);
    std::uint32_t deletion_mails_per_address_per_hour = 0;  ///< 0: not given, no limit per address
    std::string confirm_on_get = "api";
    std::string header_timeout = "10s";
    std::string request_timeout = "30s";
    std::string idle_timeout = "60s";
    std::string shutdown_grace = "10s";
    std::string smtp_connect_timeout = "10s";
    std::string smtp_timeout = "60s";
    std::string mail_retry_first = duration_text(smtp::RetryPolicy{}.first);
    std::string mail_retry_max = duration_text(smtp::RetryPolicy{}.max);
    std::string mail_retry_for = duration_text(smtp::RetryPolicy{}.give_up_after);
};

// The options every command takes, one copy per command: CLI11 also reads the environment
// variables of the commands that were not chosen, and a copy shared by all of them would take
// a variable's value after the chosen command's flag had set it (the flag must win).
struct CommonOptions {
    CLI::App* command = nullptr;
    std::string db;
    std::string durability;
    std::string log_level;
    std::string log_format;
};

void add_common(CLI::App& command, std::list<CommonOptions>& commons, const Config& config, const RawSettings& raw) {
    auto& own = commons.emplace_back(CommonOptions{&command, config.db, raw.durability, config.log_level, raw.log_format});
    command.add_option("--db", own.db, "SQLite database file (created and migrated if missing)")
        ->envname("JAMBO_DB")
        ->capture_default_str();
    command.add_option("--durability", own.durability, "normal: survives a crash of the process; full: also of the machine or its power")
        ->envname("JAMBO_DURABILITY")
        ->check(CLI::IsMember({"normal", "full"}))
        ->capture_default_str();
    command.add_option("--log-level", own.log_level, "trace, debug, info, warn, error, critical or off")
        ->envname("JAMBO_LOG_LEVEL")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    command.add_option("--log-format", own.log_format, "text, or json for one JSON object per line")
        ->envname("JAMBO_LOG_FORMAT")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
}

void take_chosen_common(const std::list<CommonOptions>& commons, Config& config, RawSettings& raw) {
    for (const auto& own : commons) {
        if (!own.command->parsed()) continue;
        config.db = own.db;
        raw.durability = own.durability;
        config.log_level = own.log_level;
        raw.log_format = own.log_format;
    }
}

void add_mail_options(CLI::App& serve, ServeConfig& s, RawSettings& raw) {
    serve.add_option("--smtp-loopback-plaintext", s.smtp_loopback_plaintext,
                     "Plain SMTP to a loopback host that offers no STARTTLS (0 to require TLS there too)")
        ->envname("JAMBO_SMTP_LOOPBACK_PLAINTEXT")->transform(yes_or_no())->capture_default_str();
    serve.add_option("--smtp-connect-timeout", raw.smtp_connect_timeout, "Time to connect to the SMTP server")
        ->envname("JAMBO_SMTP_CONNECT_TIMEOUT")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--smtp-timeout", raw.smtp_timeout, "Time for one whole delivery to the SMTP server")
        ->envname("JAMBO_SMTP_TIMEOUT")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--mail-retry-first", raw.mail_retry_first, "Wait after a failed delivery; doubles per attempt")
        ->envname("JAMBO_MAIL_RETRY_FIRST")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--mail-retry-max", raw.mail_retry_max, "Longest wait between delivery attempts")
        ->envname("JAMBO_MAIL_RETRY_MAX")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--mail-retry-for", raw.mail_retry_for, "How long a message is retried before it is given up")
        ->envname("JAMBO_MAIL_RETRY_FOR")->check(check_duration, "DURATION")->capture_default_str();
}

void add_serve_options(CLI::App& serve, ServeConfig& s, RawSettings& raw) {
    serve.add_option("--listen", s.listen, "Address and port to listen on")
        ->envname("JAMBO_LISTEN")->check(check_listen, "HOST:PORT")->capture_default_str();
    serve.add_option("--threads", s.server.threads, "Worker threads (default: number of cores)")
        ->envname("JAMBO_THREADS")->transform(decimal_number())->check(CLI::Range(1U, 256U))->capture_default_str();
    serve.add_option("--public-url", s.policy.public_url, "Base of the links the server makes")
        ->envname("JAMBO_PUBLIC_URL")->transform(lower_case_scheme())->check(check_public_url, "URL")->capture_default_str();
    serve.add_option("--allowed-origins", raw.allowed_origins,
                     "Comma-separated origins a deletion link may point to (default: the public URL)")
        ->envname("JAMBO_ALLOWED_ORIGINS")->check(check_origins, "ORIGINS");
    serve.add_option("--smtp-url", raw.smtp_url, "smtp://host:587 or smtps://...; a password belongs in JAMBO_SMTP_URL; unset: mail to files")
        ->envname("JAMBO_SMTP_URL")->transform(lower_case_scheme())->check(check_smtp_url, "URL");
    serve.add_flag("--smtp-allow-plaintext", s.smtp_allow_plaintext, "Allow SMTP without TLS to a non-loopback host")
        ->envname("JAMBO_SMTP_ALLOW_PLAINTEXT")->transform(yes_or_no());
    serve.add_option("--smtp-ca-file", s.smtp_ca_file, "CA certificate file for the SMTP server")
        ->envname("JAMBO_SMTP_CA_FILE");
    add_mail_options(serve, s, raw);
    serve.add_option("--mail-dir", s.mail_dir, "Where mail is written as .eml files when no SMTP URL is set")
        ->envname("JAMBO_MAIL_DIR")->capture_default_str();
    serve.add_option("--mail-from", s.mail_from, "Sender of the mail")
        ->envname("JAMBO_MAIL_FROM")->check(check_mailbox, "ADDRESS")->capture_default_str();
    serve.add_option("--mail-reply-to", s.mail_reply_to, "Where replies to the mail go (default: the sender)")
        ->envname("JAMBO_MAIL_REPLY_TO")->check(check_mailbox, "ADDRESS");
    serve.add_option("--deletion-token-ttl", raw.deletion_token_ttl, "Lifetime of a deletion link")
        ->envname("JAMBO_DELETION_TOKEN_TTL")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_flag("--core-dumps", s.core_dumps,
                   "Leave the core-file limit as it is (off: 0, as a core file would hold customers' data)")
        ->envname("JAMBO_CORE_DUMPS")->transform(yes_or_no());
    serve.add_option("--confirm-on-get", raw.confirm_on_get, "api: an API client's GET of a confirm link deletes; never: only POST deletes")
        ->envname("JAMBO_CONFIRM_ON_GET")->check(CLI::IsMember({"api", "never"}))->capture_default_str();
    serve.add_option("--deletion-requests-per-hour", s.policy.deletion_requests_per_hour, "Accepted deletion requests per customer")
        ->envname("JAMBO_DELETION_REQUESTS_PER_HOUR")->transform(decimal_number())->check(CLI::Range(1U, 1000U))->capture_default_str();
    serve.add_option("--deletion-mails-per-address-per-hour", raw.deletion_mails_per_address_per_hour,
                     "Deletion mails to one mailbox (name+tag@ counts as name@), whichever records ask (default: no limit)")
        ->envname("JAMBO_DELETION_MAILS_PER_ADDRESS_PER_HOUR")->transform(decimal_number())->check(CLI::Range(1U, 10000U));
    serve.add_option("--default-calling-code", s.policy.default_calling_code, "For 10-digit numbers starting with 0")
        ->envname("JAMBO_DEFAULT_CALLING_CODE")->check(check_calling_code, "DIGITS")->capture_default_str();
    serve.add_option("--header-timeout", raw.header_timeout, "First byte to end of the request header")
        ->envname("JAMBO_HEADER_TIMEOUT")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--request-timeout", raw.request_timeout, "First byte to end of the request")
        ->envname("JAMBO_REQUEST_TIMEOUT")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--idle-timeout", raw.idle_timeout, "Keep-alive connection idle time")
        ->envname("JAMBO_IDLE_TIMEOUT")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--shutdown-grace", raw.shutdown_grace, "Time in-flight requests get on SIGTERM, SIGINT or SIGHUP")
        ->envname("JAMBO_SHUTDOWN_GRACE")->check(check_duration, "DURATION")->capture_default_str();
    serve.add_option("--max-body-bytes", s.server.max_body_bytes, "Larger bodies get 413")
        ->envname("JAMBO_MAX_BODY_BYTES")->transform(decimal_number())->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))->capture_default_str();
    serve.add_option("--max-header-bytes", s.server.max_header_bytes, "Larger header sections get 431")
        ->envname("JAMBO_MAX_HEADER_BYTES")->transform(decimal_number())->check(CLI::Range(1024U, 1U << 20))->capture_default_str();
    serve.add_option("--max-connections", s.server.max_connections, "Concurrent connections; more get 503")
        ->envname("JAMBO_MAX_CONNECTIONS")->transform(decimal_number())->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))->capture_default_str();
}

void finish(Config& config, const RawSettings& raw) {
    auto& s = config.serve;
    config.durability = raw.durability == "full" ? sqlite::Durability::full : sqlite::Durability::normal;
    config.log_format = raw.log_format == "json" ? LogFormat::json : LogFormat::text;
    auto [address, port] = *parse_listen(s.listen);
    s.server.address = address;
    s.server.port = port;
    while (s.policy.public_url.ends_with('/')) s.policy.public_url.pop_back();
    s.policy.allowed_origins = split_origins(raw.allowed_origins);
    if (!raw.smtp_url.empty()) s.smtp_url = raw.smtp_url;
    s.policy.deletion_token_ttl = std::chrono::ceil<std::chrono::seconds>(*parse_millis(raw.deletion_token_ttl));
    if (raw.deletion_mails_per_address_per_hour > 0) {
        s.policy.deletion_mails_per_address_per_hour = raw.deletion_mails_per_address_per_hour;
    }
    s.confirm_on_get = raw.confirm_on_get == "never" ? http::ConfirmOnGet::never : http::ConfirmOnGet::api;
    s.server.header_timeout = *parse_millis(raw.header_timeout);
    s.server.request_timeout = *parse_millis(raw.request_timeout);
    s.server.idle_timeout = *parse_millis(raw.idle_timeout);
    s.server.shutdown_grace = *parse_millis(raw.shutdown_grace);
    s.server.log_json = config.log_format == LogFormat::json;
    s.smtp_connect_timeout = *parse_millis(raw.smtp_connect_timeout);
    s.smtp_timeout = *parse_millis(raw.smtp_timeout);
    s.mail_retry.first = *parse_millis(raw.mail_retry_first);
    s.mail_retry.max = *parse_millis(raw.mail_retry_max);
    s.mail_retry.give_up_after = *parse_millis(raw.mail_retry_for);
}

// An empty value on the command line is a mistake (`--db "$UNSET"` would otherwise open a
// temporary database); an empty environment variable counts as unset, as CLI11 reads it and
// compose files and unit templates leave them.
void refuse_empty_values(CLI::App& app) {
    const CLI::Validator non_empty(
        [](std::string& value) { return value.empty() ? std::string("needs a value, not an empty one") : std::string(); },
        "", "non-empty");
    for (auto* option : app.get_options()) {
        if (option->get_items_expected_min() > 0) option->check(non_empty);
    }
    for (auto* group : app.get_subcommands([](CLI::App*) { return true; })) refuse_empty_values(*group);
}

// CLI11 reads the environment variables of every command, chosen or not: a typo in
// JAMBO_THREADS, a serve setting, stopped `jambo backup` and `jambo staff add`. A command with
// a parse-complete callback reads its variables only when it is the one chosen. Option groups
// (no name) belong to their command and are left alone.
void read_variables_of_chosen_command_only(CLI::App& app) {
    for (auto* command : app.get_subcommands([](CLI::App* sub) { return !sub->get_name().empty(); })) {
        command->parse_complete_callback([] {});
        read_variables_of_chosen_command_only(*command);
    }
}

// The on/off settings, which take their value in any of the three spellings.
const std::vector<std::string> on_off_flags = {"--smtp-allow-plaintext", "--smtp-loopback-plaintext",
                                                "--core-dumps"};

bool is_on_off_flag(std::string_view arg) { return std::ranges::find(on_off_flags, arg) != on_off_flags.end(); }

// `--smtp-allow-plaintext`, `--smtp-allow-plaintext=0` and `--smtp-allow-plaintext 0` all
// work, for every on/off setting (CLI11 takes a flag's value only after '=', an option's only
// as a value): the next word is the value unless it is another flag or a command (serve
// takes no positional arguments), and a flag alone means on. An empty next word is refused
// before this (on_off_flag_with_empty_value).
void join_on_off_values(std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (!is_on_off_flag(args[i])) continue;
        const bool value_follows = i + 1 < args.size() && !args[i + 1].starts_with('-') &&
                                   std::ranges::find(subcommand_names, args[i + 1]) == subcommand_names.end();
        if (value_follows) {
            args[i] += "=" + args[i + 1];
            args.erase(args.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        } else {
            args[i] += "=1";
        }
    }
}

// `jambo` alone, or `jambo --listen ...`, means `jambo serve ...`.
std::vector<std::string> with_default_command(int argc, const char* const* argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    join_on_off_values(args);
    // `jambo help token issue` is what git and cargo users type for `jambo token issue --help`.
    if (!args.empty() && args[0] == "help") {
        args.erase(args.begin());
        args.emplace_back("--help");
    }
    bool explicit_command = !args.empty() && (std::ranges::find(subcommand_names, args[0]) != subcommand_names.end() ||
                                              args[0] == "-h" || args[0] == "--help" || args[0] == "--version");
    if (!explicit_command) args.insert(args.begin(), "serve");
    // CLI11 takes the arguments last-first.
    std::ranges::reverse(args);
    return args;
}

// The cores this process may run on: its CPU affinity (taskset, systemd's CPUAffinity=), which
// std::thread::hardware_concurrency() ignores.
unsigned usable_cores() {
    cpu_set_t cores;
    CPU_ZERO(&cores);
    if (::sched_getaffinity(0, sizeof cores, &cores) == 0 && CPU_COUNT(&cores) > 0) {
        return static_cast<unsigned>(CPU_COUNT(&cores));
    }
    return std::max(1U, std::thread::hardware_concurrency());
}

// Where a usage error's reader finds the flags: `jambo --help` lists only the commands, each
// command's own --help its flags (a bare flag belongs to serve, the default command).
std::string help_hint(int argc, const char* const* argv) {
    std::string command;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg.starts_with('-')) continue;
        const bool known = command.empty() ? std::ranges::find(subcommand_names, arg) != subcommand_names.end()
                                           : (command == "staff" && (arg == "add" || arg == "list")) ||
                                                 (command == "token" && (arg == "issue" || arg == "revoke"));
        if (!known) break;
        command += command.empty() ? std::string(arg) : " " + std::string(arg);
        if (command != "staff" && command != "token") break;
    }
    if (command.empty() && argc > 1 && argv[1][0] == '-') command = "serve";
    return command.empty() ? " (see jambo --help)" : " (see jambo " + command + " --help)";
}

// "--threads: expected ..." names its variable too, as the errors of values that cannot be
// used do: an operator who set only JAMBO_THREADS in a unit file would not see it otherwise.
std::string naming_variable(std::string message, const CLI::App& app) {
    const auto colon = message.find(':');
    if (!message.starts_with("--") || colon == std::string::npos) return message;
    const std::string name = message.substr(2, colon - 2);
    for (const auto* command : app.get_subcommands([](const CLI::App*) { return true; })) {
        for (const auto* option : command->get_options()) {
            if (option->check_lname(name) && !option->get_envname().empty()) {
                return message.insert(colon, " (" + option->get_envname() + ")");
            }
        }
    }
    return message;
}

}  // namespace

std::string duration_text(std::chrono::milliseconds span) {
    const auto ms = span.count();
    if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    auto host = text.substr(0, colon);
    auto port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return std::nullopt;
    const bool v6 = host.starts_with('[') && host.ends_with(']');
    std::string address(v6 ? host.substr(1, host.size() - 2) : host);
    if (address == "localhost" && !v6) address = "127.0.0.1";
    // The address as the socket will take it: 999.1.1.1 is refused here, naming the flag,
    // rather than when the server binds.
    // An IPv6 link-local address may name its interface (fe80::1%eth0), as the socket takes it.
    const auto zone = v6 ? address.find('%') : std::string::npos;
    if (zone != std::string::npos && zone + 1 == address.size()) return std::nullopt;
    const std::string bare = address.substr(0, zone);
    unsigned char binary[sizeof(in6_addr)];
    if (::inet_pton(v6 ? AF_INET6 : AF_INET, bare.c_str(), binary) != 1) return std::nullopt;
    return std::pair{std::move(address), static_cast<std::uint16_t>(port)};
}

std::optional<std::chrono::milliseconds> parse_millis(std::string_view text) {
    if (text.ends_with("ms")) {
        auto digits = text.substr(0, text.size() - 2);
        std::uint64_t ms = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || ms == 0 ||
            ms > 365ULL * 86'400'000) {  // the cap of the other units
            return std::nullopt;
        }
        return std::chrono::milliseconds(ms);
    }
    auto seconds = core::parse_duration(text);
    if (!seconds) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*seconds);
}

namespace {

// A command the line can choose, and what choosing it runs.
struct CommandChoice {
    CLI::App* command;
    CommandKind kind;
};

std::vector<CommandChoice> add_commands(CLI::App& app, Invocation& invocation, RawSettings& raw,
                                        std::list<CommonOptions>& commons) {
    auto& config = invocation.config;
    auto& command = invocation.command;
    const auto with_common = [&](CLI::App* added) {
        add_common(*added, commons, config, raw);
        return added;
    };

    auto* serve = with_common(app.add_subcommand("serve", "Run the HTTP server (the default)"));
    add_serve_options(*serve, config.serve, raw);

    auto* migrate = with_common(app.add_subcommand("migrate", "Create or upgrade the database schema and exit"));

    auto* staff = app.add_subcommand("staff", "Staff accounts");
    staff->require_subcommand(1, 1);
    auto* staff_add = with_common(staff->add_subcommand("add", "Create a staff account; prints its first token"));
    staff_add->add_option("--email", command.email, "The account's email address")->required();
    staff_add->add_option("--name", command.name, "The account's display name");
    auto* staff_list = with_common(staff->add_subcommand("list", "List staff accounts"));

    auto* token = app.add_subcommand("token", "Bearer tokens");
    token->require_subcommand(1, 1);
    auto* issue = with_common(token->add_subcommand("issue", "Print a new token for a customer or a staff account"));
    auto* subject = issue->add_option_group("subject", "Whom the token speaks for (exactly one)");
    subject->add_option("--customer", command.customer, "The customer's ULID");
    subject->add_option("--staff", command.email, "The staff account's email");
    subject->require_option(1, 1);
    auto* revoke = with_common(token->add_subcommand("revoke", "Revoke one token, or every token of an account"));
    auto* revoked = revoke->add_option_group("what", "What to revoke (exactly one)");
    revoked->add_option("TOKEN", command.token,
                        "The token to revoke; - reads it from standard input, out of the process list and shell history");
    revoked->add_option("--customer", command.customer, "Every token of this customer (ulid): one lost, not at hand");
    revoked->add_option("--staff", command.email, "Every token of this staff account (email): a lost laptop, a leaver");
    revoked->require_option(1, 1);

    auto* backup = with_common(app.add_subcommand("backup", "Consistent online copy of the database"));
    backup->add_option("FILE", command.file, "Destination file")->required();

    auto* restore = with_common(app.add_subcommand(
        "restore", "Replace the database (server stopped) with a backup; erasures and revocations since it stay"));
    restore->add_option("FILE", command.file, "The backup to restore")->required();

    return {{serve, CommandKind::serve},           {migrate, CommandKind::migrate},
            {staff_add, CommandKind::staff_add},   {staff_list, CommandKind::staff_list},
            {issue, CommandKind::token_issue},     {revoke, CommandKind::token_revoke},
            {backup, CommandKind::backup},         {restore, CommandKind::restore}};
}

// CLI11 reads `--flag=` as the flag with the next argument for its value, which would then be
// lost as a flag of its own.
std::optional<std::string_view> flag_with_empty_value(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") break;
        if (arg.starts_with("--") && arg.ends_with('=') && arg.find('=') == arg.size() - 1) return arg;
    }
    return std::nullopt;
}

// `--core-dumps "$UNSET"`: the empty word is the flag's value, and would read as on.
std::optional<std::string_view> on_off_flag_with_empty_value(int argc, const char* const* argv) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (is_on_off_flag(argv[i]) && std::string_view(argv[i + 1]).empty()) return argv[i];
    }
    return std::nullopt;
}

// Why `jambo help TOPIC...` names no command, or nothing if it names one: `jambo help bogus`
// would otherwise show serve's flags (bogus taken for serve's argument), and `jambo help token
// bogus` token's, as if it were one.
std::optional<std::string> unknown_help_topic(int argc, const char* const* argv) {
    if (argc < 3 || std::string_view(argv[1]) != "help") return std::nullopt;
    const std::string topic = one_line(argv[2]);
    if (std::ranges::find(subcommand_names, topic) == subcommand_names.end()) {
        return "there is no command '" + topic +
               "'; the commands are serve, migrate, staff, token, backup and restore (see jambo --help)";
    }
    if (argc < 4 || (topic != "staff" && topic != "token")) return std::nullopt;
    const std::string_view sub = argv[3];
    const bool staff = topic == "staff";
    if (staff ? (sub == "add" || sub == "list") : (sub == "issue" || sub == "revoke")) return std::nullopt;
    return "there is no command '" + topic + " " + one_line(std::string(sub)) + "'; the " + topic + " commands are " +
           (staff ? "add and list" : "issue and revoke") + " (see jambo " + topic + " --help)";
}

}  // namespace

namespace {

// Where the password of `url` (scheme://user:password@host...) is, as an offset and a length;
// nothing if it has none. It ends at the authority's last '@', so an '@' in it is kept in.
std::optional<std::pair<std::size_t, std::size_t>> password_in(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const auto authority_start = scheme_end + 3;
    const auto authority = url.substr(authority_start, url.find('/', authority_start) - authority_start);
    const auto at = authority.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
    const auto colon = authority.substr(0, at).find(':');
    if (colon == std::string_view::npos || colon + 1 == at) return std::nullopt;
    return std::pair{authority_start + colon + 1, at - colon - 1};
}

}  // namespace

bool hide_smtp_password(int argc, char** argv) {
    constexpr std::string_view flag = "--smtp-url";
    bool hidden = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        char* url = nullptr;
        if (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=') {
            url = argv[i] + flag.size() + 1;
        } else if (arg == flag && i + 1 < argc) {
            url = argv[++i];
        }
        if (url == nullptr) continue;
        if (const auto password = password_in(url)) {
            std::fill_n(url + password->first, password->second, '*');  // in place: the length stays
            hidden = true;
        }
    }
    return hidden;
}

std::variant<Invocation, EarlyExit> parse_command_line(int argc, const char* const* argv) {
    Invocation invocation;
    invocation.config.serve.server.threads = usable_cores();
    RawSettings raw;
    std::list<CommonOptions> commons;  // a list: add_option keeps pointers into each element

    CLI::App app{"Jambo: customer records with data-protection rights", "jambo"};
    app.set_version_flag("--version", "jambo " + std::string(version));
    app.require_subcommand(1, 1);
    app.footer("With no command, `jambo` runs `jambo serve`. A flag shown with (Env:JAMBO_...) also reads that "
               "environment variable; the flag wins. `jambo help COMMAND` (or `jambo COMMAND --help`) lists a "
               "command's flags.");
    const auto choices = add_commands(app, invocation, raw, commons);
    refuse_empty_values(app);
    read_variables_of_chosen_command_only(app);

    if (const auto flag = on_off_flag_with_empty_value(argc, argv)) {
        return EarlyExit{2, {},
                         "jambo: " + std::string(*flag) + " is followed by an empty value; give 1 or 0, or leave the "
                                                          "flag out" + help_hint(argc, argv) + "\n"};
    }
    if (const auto flag = flag_with_empty_value(argc, argv)) {
        return EarlyExit{2, {}, "jambo: " + std::string(*flag) + " has no value after '='; give one, or leave the flag out" +
                                    help_hint(argc, argv) + "\n"};
    }
    if (const auto unknown = unknown_help_topic(argc, argv)) return EarlyExit{2, {}, "jambo: " + *unknown + "\n"};
    try {
        auto args = with_default_command(argc, argv);
        app.parse(args);
    } catch (const CLI::Success& e) {
        std::ostringstream out;
        std::ostringstream err;
        app.exit(e, out, err);
        return EarlyExit{0, out.str(), err.str()};
    } catch (const CLI::ParseError& e) {
        return EarlyExit{2, {}, "jambo: " + naming_variable(one_line(e.what()), app) + help_hint(argc, argv) + "\n"};
    }

    for (const auto& [command, kind] : choices) {
        if (command->parsed()) invocation.command.kind = kind;
    }
    take_chosen_common(commons, invocation.config, raw);
    finish(invocation.config, raw);
    return invocation;
}

}  // namespace jambo::app
