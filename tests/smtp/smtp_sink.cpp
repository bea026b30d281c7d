#include "smtp_sink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace jambo::testing {

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void run_or_throw(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
    std::vector<std::string> text = args;
    std::vector<char*> argv;
    for (auto& arg : text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    auto log_path = log.string();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null_fd = ::open("/dev/null", O_RDONLY);
        if (fd < 0 || null_fd < 0) ::_exit(127);
        ::dup2(null_fd, 0);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

}  // namespace

std::uint16_t free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

TestPki::TestPki(const std::filesystem::path& dir)
    : ca(dir / "ca.pem"), server_cert(dir / "server.pem"), server_key(dir / "server.key") {
    std::filesystem::create_directories(dir);
    auto d = dir.string();
    auto ext = dir / "server.ext";
    std::ofstream(ext) << "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                          "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n";
    const std::string quiet = " >>" + d + "/openssl.log 2>&1";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run_or_throw("openssl req -x509" + ec + " -keyout " + d + "/ca.key -out " + ca.string() +
                 " -days 2 -subj '/CN=Jambo Test CA' -addext basicConstraints=critical,CA:TRUE"
                 " -addext keyUsage=critical,keyCertSign,cRLSign" + quiet);
    run_or_throw("openssl req" + ec + " -keyout " + server_key.string() + " -out " + d +
                 "/server.csr -subj /CN=localhost" + quiet);
    run_or_throw("openssl x509 -req -in " + d + "/server.csr -CA " + ca.string() + " -CAkey " + d +
                 "/ca.key -CAcreateserial -days 2 -out " + server_cert.string() + " -extfile " + ext.string() + quiet);
}

SmtpSink::SmtpSink(const std::filesystem::path& dir, std::uint16_t port, SinkOptions options)
    : dir_(dir), port_(port) {
    std::filesystem::create_directories(dir_);
    auto ready = dir_ / "ready";
    std::filesystem::remove(ready);
    std::vector<std::string> args{JAMBO_SYSTEM_PYTHON, JAMBO_SMTP_SINK,       "--port", std::to_string(port),
                                  "--dir",             (dir_ / "mail").string(), "--ready-file", ready.string()};
    if (options.starttls != nullptr) {
        args.insert(args.end(), {"--starttls-cert", options.starttls->server_cert.string(), "--key",
                                 options.starttls->server_key.string()});
    }
    if (options.implicit_tls != nullptr) {
        args.insert(args.end(), {"--implicit-tls-cert", options.implicit_tls->server_cert.string(), "--key",
                                 options.implicit_tls->server_key.string()});
    }
    if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
    if (options.reject_recipients) args.emplace_back("--reject-rcpt");
    pid_ = spawn(args, dir_ / "sink.log");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!std::filesystem::exists(ready)) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_ || std::chrono::steady_clock::now() > deadline) {
            pid_ = -1;
            throw std::runtime_error("the SMTP sink did not start: " + read_text(dir_ / "sink.log"));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

SmtpSink::~SmtpSink() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
}

std::string SmtpSink::url(const std::string& scheme, const std::string& userinfo) const {
    return scheme + "://" + (userinfo.empty() ? "" : userinfo + "@") + "127.0.0.1:" + std::to_string(port_);
}

std::size_t SmtpSink::received() const {
    std::size_t count = 0;
    if (!std::filesystem::exists(dir_ / "mail")) return 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "mail")) {
        if (entry.path().extension() == ".json") ++count;
    }
    return count;
}

std::size_t SmtpSink::recipient_attempts() const {
    std::ifstream log(dir_ / "mail" / "rcpt.log");
    std::size_t lines = 0;
    for (std::string line; std::getline(log, line);) ++lines;
    return lines;
}

std::optional<boost::json::object> SmtpSink::wait_for_message(std::size_t number,
                                                              std::chrono::milliseconds timeout) const {
    auto path = dir_ / "mail" / (std::to_string(number) + ".json");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!std::filesystem::exists(path)) {
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return boost::json::parse(read_text(path)).as_object();
}

std::string sqlite_query(const std::string& db, const std::string& sql) {
    std::string command = "sqlite3 '" + db + "' \"" + sql + "\"";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run sqlite3");
    std::string out;
    char buffer[4096];
    while (auto size = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, size);
    if (::pclose(pipe) != 0) throw std::runtime_error("sqlite3 failed: " + command);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace jambo::testing
