#pragma once
// Runs the real `jambo` binary for end-to-end tests: a server on a free loopback port with a
// temporary database and mail directory, and one-shot CLI commands against the same database.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace jambo::testing {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

/// A fresh directory under /tmp, removed at destruction.
struct WorkDir {
    WorkDir();
    ~WorkDir();
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    std::filesystem::path path;
    [[nodiscard]] std::string db() const { return (path / "jambo.db").string(); }
    [[nodiscard]] std::filesystem::path mail_dir() const { return path / "mail"; }
};

struct CommandResult {
    int status = -1;
    std::string out;
    std::string err;
};

/// Runs `jambo args...` in `dir` with `env` added to a clean environment and waits.
CommandResult run_jambo(const WorkDir& dir, const std::vector<std::string>& args, const EnvVars& env = {});
/// As run_jambo, with `input` as its standard input (none: /dev/null).
CommandResult run_jambo_with_input(const WorkDir& dir, const std::vector<std::string>& args,
                                   const std::optional<std::string>& input, const EnvVars& env = {});

/// RLIMIT_NOFILE for a server, as a tight ulimit or systemd unit would set it.
struct OpenFileLimit {
    std::uint64_t soft;
    std::uint64_t hard;
};

/// How the process starts, beyond its arguments and environment. By default as from a shell
/// in the foreground: SIGINT, SIGTERM and SIGHUP at their default action, whatever this test
/// process inherited (a CI runner under nohup, say).
struct Launch {
    std::optional<OpenFileLimit> open_file_limit = std::nullopt;
    bool sighup_ignored = false;  ///< as `nohup jambo serve` starts it
};

class JamboServer {
public:
    /// Starts `jambo serve --listen 127.0.0.1:0 --db ... --mail-dir ...` plus `args`, and waits
    /// for it to log the port it listens on.
    JamboServer(const WorkDir& dir, std::vector<std::string> args = {}, const EnvVars& env = {}, Launch launch = {});
    ~JamboServer();
    JamboServer(const JamboServer&) = delete;
    JamboServer& operator=(const JamboServer&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    /// Everything the server has written to stderr so far.
    [[nodiscard]] std::string log() const;
    /// Sends the signal and waits (at most 60 s, then SIGKILL); returns the exit status (or
    /// 128 + signal if it died of one). A sanitizer report in the log fails the running test.
    /// The destructor stops a running server with SIGTERM, so every server's exit is checked.
    int stop(int signal = 15);
    [[nodiscard]] pid_t pid() const { return pid_; }

private:
    const WorkDir& dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::filesystem::path log_path_;
};

/// The first sanitizer report (ASan, LeakSanitizer, TSan, UBSan) in a log, from its line on;
/// "" when there is none.
std::string sanitizer_report(const std::string& log);

/// A file's bytes; "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// The newest .eml file's text, waiting up to a few seconds for the relay to write it.
std::string wait_for_mail(const std::filesystem::path& mail_dir, std::size_t count);
/// The deletion token in a mail's confirm link.
std::string deletion_token_in(const std::string& mail);

}  // namespace jambo::testing
