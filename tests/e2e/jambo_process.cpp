#include "jambo_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace jambo::testing {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

namespace {

// The test's own JAMBO_* variables must not leak into the server under test. Leak detection
// is on in the server (as it is by default under ASan) unless the caller configured ASan.
std::vector<std::string> environment(const EnvVars& extra) {
    std::vector<std::string> env;
    bool asan_options = false;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        if (text.starts_with("JAMBO_")) continue;
        asan_options = asan_options || text.starts_with("ASAN_OPTIONS=");
        env.emplace_back(*entry);
    }
    for (const auto& [name, value] : extra) {
        asan_options = asan_options || name == "ASAN_OPTIONS";
        env.push_back(name + "=" + value);
    }
    if (!asan_options) env.emplace_back("ASAN_OPTIONS=detect_leaks=1");
    return env;
}

// Waits up to `limit` for the child; -1 if it is still running.
int wait_for_exit(pid_t pid, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid) return status;
        if (std::chrono::steady_clock::now() >= deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

pid_t spawn(const std::filesystem::path& dir, const std::vector<std::string>& args, const EnvVars& extra,
            const std::filesystem::path& out, const std::filesystem::path& err,
            const Launch& launch = {},
            const std::filesystem::path& in = "/dev/null") {
    std::vector<std::string> argv_text{JAMBO_BINARY};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    auto env_text = environment(extra);
    std::vector<char*> argv;
    for (auto& arg : argv_text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& entry : env_text) envp.push_back(entry.data());
    envp.push_back(nullptr);
    auto out_path = out.string();
    auto err_path = err.string();
    auto dir_path = dir.string();
    auto in_path = in.string();

    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null_fd = ::open(in_path.c_str(), O_RDONLY);
        if (out_fd < 0 || err_fd < 0 || null_fd < 0 || ::chdir(dir_path.c_str()) != 0) ::_exit(127);
        if (launch.open_file_limit) {
            const rlimit limit{launch.open_file_limit->soft, launch.open_file_limit->hard};
            if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(127);
        }
        // execve keeps ignored signals ignored: what the test runner ignores is not jambo's.
        for (const int number : {SIGINT, SIGTERM, SIGHUP}) ::signal(number, SIG_DFL);
        if (launch.sighup_ignored) ::signal(SIGHUP, SIG_IGN);
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::dup2(null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

int exit_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

WorkDir::WorkDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("jambo-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
}

WorkDir::~WorkDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

CommandResult run_jambo(const WorkDir& dir, const std::vector<std::string>& args, const EnvVars& env) {
    return run_jambo_with_input(dir, args, std::nullopt, env);
}

CommandResult run_jambo_with_input(const WorkDir& dir, const std::vector<std::string>& args,
                                   const std::optional<std::string>& input, const EnvVars& env) {
    static int counter = 0;
    auto stem = "command-" + std::to_string(counter++);
    auto out = dir.path / (stem + ".out");
    auto err = dir.path / (stem + ".err");
    std::filesystem::path in = "/dev/null";
    if (input) {
        in = dir.path / (stem + ".in");
        std::ofstream(in, std::ios::binary) << *input;
    }
    auto pid = spawn(dir.path, args, env, out, err, Launch{}, in);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return CommandResult{exit_status(status), read_file(out), read_file(err)};
}

JamboServer::JamboServer(const WorkDir& dir, std::vector<std::string> args, const EnvVars& env,
                         Launch launch)
    : dir_(dir) {
    static int counter = 0;
    log_path_ = dir.path / ("server-" + std::to_string(counter++) + ".log");
    // Defaults, unless the test gives its own (the command line takes each flag once).
    std::vector<std::string> full{"serve", "--listen", "127.0.0.1:0"};
    for (const auto& [flag, value] : {std::pair<std::string, std::string>{"--db", dir.db()},
                                      {"--mail-dir", dir.mail_dir().string()},
                                      {"--threads", "2"}}) {
        if (std::ranges::find(args, flag) == args.end()) full.insert(full.end(), {flag, value});
    }
    full.insert(full.end(), args.begin(), args.end());
    pid_ = spawn(dir.path, full, env, dir.path / "server.out", log_path_, launch);
    static const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch match;
        auto text = log();
        if (std::regex_search(text, match, listening)) {
            port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("jambo exited at start: " + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop(SIGKILL);
    throw std::runtime_error("jambo did not start listening: " + log());
}

// A graceful stop, so the sanitizers' exit-time checks (LeakSanitizer above all) run in every
// server a test starts; stop() turns their reports into test failures.
JamboServer::~JamboServer() {
    if (pid_ > 0) stop(SIGTERM);
}

std::string JamboServer::log() const { return read_file(log_path_); }

int JamboServer::stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = wait_for_exit(pid_, std::chrono::seconds(60));
    if (status == -1) {
        FAIL_CHECK("jambo did not exit within 60 s of signal " << signal << "; killed");
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    if (auto report = sanitizer_report(log()); !report.empty()) FAIL_CHECK("the jambo server reported:\n" << report);
    return exit_status(status);
}

std::string sanitizer_report(const std::string& log) {
    static constexpr std::array<std::string_view, 5> markers = {
        "ERROR: LeakSanitizer", "ERROR: AddressSanitizer", "WARNING: ThreadSanitizer", "runtime error: ",
        "ERROR: ThreadSanitizer"};
    auto first = std::string::npos;
    for (auto marker : markers) first = std::min(first, log.find(marker));
    if (first == std::string::npos) return {};
    auto start = log.rfind('\n', first);
    start = start == std::string::npos ? 0 : start + 1;
    return log.substr(start, 8000);
}

std::string wait_for_mail(const std::filesystem::path& mail_dir, std::size_t count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::vector<std::filesystem::path> files;
        if (std::filesystem::exists(mail_dir)) {
            for (const auto& entry : std::filesystem::directory_iterator(mail_dir)) {
                if (entry.path().extension() == ".eml") files.push_back(entry.path());
            }
        }
        if (files.size() >= count) {
            std::ranges::sort(files, [](const auto& a, const auto& b) {
                return std::filesystem::last_write_time(a) < std::filesystem::last_write_time(b);
            });
            return read_file(files.back());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("no mail arrived in " + mail_dir.string());
}

std::string deletion_token_in(const std::string& mail) {
    static const std::regex link(R"(/api/customer/([A-Za-z0-9_-]{43})/delete/confirm)");
    std::smatch match;
    if (!std::regex_search(mail, match, link)) throw std::runtime_error("no confirm link in the mail");
    return match[1];
}

}  // namespace jambo::testing
