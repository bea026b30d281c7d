#pragma once
/// The `jambo` command line (contract sections 7 and 8): every setting as a flag and an
/// environment variable, flags winning; the subcommands; values checked before anything runs.

#include <jambo/core/policy.hpp>
#include <jambo/core/version.hpp>
#include <jambo/http/api.hpp>
#include <jambo/http/server.hpp>
#include <jambo/smtp/outbox_relay.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace jambo::app {

enum class LogFormat { text, json };

/// A duration as the settings write it, in the largest unit that divides it ("90s", "5m", "1h").
[[nodiscard]] std::string duration_text(std::chrono::milliseconds span);

/// The settings of `jambo serve`.
struct ServeConfig {
    std::string listen = "127.0.0.1:8000";
    http::ServerOptions server{.handle_signals = true};  ///< address and port parsed from `listen`
    /// The use cases' settings, the library's defaults unless given: the public URL and the
    /// allowed origins (normalised), the calling code, the deletion links' lifetime and limits.
    core::Policy policy;
    smtp::RetryPolicy mail_retry;  ///< first and longest wait, and how long (give_up_after)
    std::optional<std::string> smtp_url;
    bool smtp_allow_plaintext = false;
    bool smtp_loopback_plaintext = true;  ///< plain SMTP to a loopback host when STARTTLS is not offered
    std::string smtp_ca_file;
    std::chrono::milliseconds smtp_connect_timeout{std::chrono::seconds{10}};
    std::chrono::milliseconds smtp_timeout{std::chrono::seconds{60}};
    std::string mail_dir = "./jambo-mail/";
    std::string mail_from = smtp::RelayOptions{}.from;
    std::string mail_reply_to;  ///< Reply-To of every message; empty: none, replies go to mail_from
    http::ConfirmOnGet confirm_on_get = http::ConfirmOnGet::api;
    /// The SMTP URL's password came as an argument, where other local users could read it
    /// (blanked by hide_smtp_password, but not before the process started); serve warns.
    bool smtp_password_in_arguments = false;
    /// Off: serve sets its core-file size limit to 0, as a crash's core file would hold the
    /// customers' data and the secrets in memory, and outlive every erasure.
    bool core_dumps = false;
};

struct Config {
    std::string db = "./jambo.db";
    sqlite::Durability durability = sqlite::Durability::normal;
    std::string log_level = "info";
    LogFormat log_format = LogFormat::text;
    ServeConfig serve;
};

enum class CommandKind { serve, migrate, staff_add, staff_list, token_issue, token_revoke, backup, restore };

struct Command {
    CommandKind kind = CommandKind::serve;
    std::string email;     ///< staff add, token issue/revoke --staff
    std::string name;      ///< staff add
    std::string customer;  ///< token issue/revoke --customer
    std::string token;     ///< token revoke TOKEN
    std::string file;      ///< backup, restore
};

struct Invocation {
    Config config;
    Command command;
};

/// The process should end now: help or version (code 0, text for stdout) or a usage error
/// (code 2, one line for stderr).
struct EarlyExit {
    int code = 0;
    std::string out;
    std::string err;
};

/// Parses argv (argv[0] included). Reads JAMBO_* environment variables for unset flags.
[[nodiscard]] std::variant<Invocation, EarlyExit> parse_command_line(int argc, const char* const* argv);

/// Overwrites the password of an `--smtp-url` argument with '*' in argv itself, which is what
/// the process list (/proc/PID/cmdline) shows; returns whether there was one.
bool hide_smtp_password(int argc, char** argv);

/// "host:port", "[v6]:port" or "localhost:port" -> address literal and port.
[[nodiscard]] std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);
/// "90s", "10m", "2h", "1d", "1500ms" or plain seconds; must be > 0.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_millis(std::string_view text);

using core::version;  // jambo/core/version.hpp

}  // namespace jambo::app
