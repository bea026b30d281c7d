#include <jambo/smtp/curl_smtp_transport.hpp>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>

namespace jambo::smtp {

namespace {

// libcurl's global state, set up before the first transfer and torn down at exit.
void ensure_curl_initialised() {
    struct Global {
        Global() {
            if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
        }
        ~Global() { curl_global_cleanup(); }
        Global(const Global&) = delete;
        Global& operator=(const Global&) = delete;
    };
    static const Global global;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

struct UrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct EasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct ListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct UrlParts {
    std::string scheme;
    std::string host;
    std::string port;
    std::string user;
    std::string password;
    std::string path;
};

std::string url_part(CURLU* url, CURLUPart which, unsigned flags = 0) {
    char* text = nullptr;
    if (curl_url_get(url, which, &text, flags) != CURLUE_OK || text == nullptr) return {};
    std::string value(text);
    curl_free(text);
    return value;
}

UrlParts split_url(const std::string& text) {
    std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
    if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
        throw std::invalid_argument("the SMTP URL cannot be parsed");
    }
    UrlParts parts{url_part(url.get(), CURLUPART_SCHEME),
                   lower(url_part(url.get(), CURLUPART_HOST)),
                   url_part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT),
                   url_part(url.get(), CURLUPART_USER, CURLU_URLDECODE),
                   url_part(url.get(), CURLUPART_PASSWORD, CURLU_URLDECODE),
                   url_part(url.get(), CURLUPART_PATH)};
    if (parts.scheme != "smtp" && parts.scheme != "smtps") throw std::invalid_argument("the SMTP URL must be smtp:// or smtps://");
    if (parts.host.empty()) throw std::invalid_argument("the SMTP URL has no host");
    if (parts.port == "0") throw std::invalid_argument("the SMTP URL's port is 0");
    // curl would drop them without a word; a path is the EHLO name, as curl reads it.
    if (!url_part(url.get(), CURLUPART_QUERY).empty() || !url_part(url.get(), CURLUPART_FRAGMENT).empty()) {
        throw std::invalid_argument("the SMTP URL has a query or fragment, which mean nothing to SMTP");
    }
    return parts;
}

}  // namespace

std::string smtp_url_problem(const std::string& url) {
    try {
        (void)split_url(url);
        return {};
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
}

namespace {

constexpr std::string_view step_name(SmtpStep step) {
    switch (step) {
        case SmtpStep::connect: return "connect";
        case SmtpStep::ehlo: return "EHLO";
        case SmtpStep::starttls: return "STARTTLS";
        case SmtpStep::auth: return "AUTH";
        case SmtpStep::mail_from: return "MAIL FROM";
        case SmtpStep::rcpt_to: return "RCPT TO";
        case SmtpStep::data: return "DATA";
    }
    return "?";
}

// The state one transfer's callbacks share.
struct Exchange {
    std::string_view text;
    std::size_t sent = 0;
    SmtpStep step = SmtpStep::connect;
    bool authenticated = false;  // an AUTH command was sent
    const std::atomic<bool>* interrupted = nullptr;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto& exchange = *static_cast<Exchange*>(user);
    auto chunk = std::min(size * count, exchange.text.size() - exchange.sent);
    std::memcpy(buffer, exchange.text.data() + exchange.sent, chunk);
    exchange.sent += chunk;
    return chunk;
}

int check_interrupt(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Exchange*>(user)->interrupted->load() ? 1 : 0;
}

// Follows the commands curl sends, to tell a refused recipient from a refused login. Only the
// command word is looked at: AUTH lines carry credentials. QUIT, which curl sends after a
// failure too, does not count: the step is the one that failed.
int track_command(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    if (type != CURLINFO_HEADER_OUT) return 0;
    auto& exchange = *static_cast<Exchange*>(user);
    std::string_view line(data, size);
    auto word = lower(line.substr(0, line.find_first_of(" :\r\n")));
    if (word == "ehlo" || word == "helo") exchange.step = SmtpStep::ehlo;
    if (word == "starttls") exchange.step = SmtpStep::starttls;
    if (word == "auth") {
        exchange.step = SmtpStep::auth;
        exchange.authenticated = true;
    }
    if (word == "mail") exchange.step = SmtpStep::mail_from;
    if (word == "rcpt") exchange.step = SmtpStep::rcpt_to;
    if (word == "data") exchange.step = SmtpStep::data;
    return 0;
}

std::string envelope_address(const std::string& mailbox, std::string_view field) {
    auto parsed = parse_mailbox(mailbox);
    if (!parsed) throw DeliveryError(std::string(field) + " is not a usable mail address", Failure::permanent);
    return "<" + parsed->address + ">";
}

// What an operator can do about a failure that retrying will not mend by itself. A loopback
// relay without STARTTLS is refused only when JAMBO_SMTP_LOOPBACK_PLAINTEXT is 0, so that
// is the setting to name.
std::string remedy(CURLcode result, bool loopback) {
    switch (result) {
        case CURLE_USE_SSL_FAILED:
            if (loopback) {
                return "; the relay offers no STARTTLS: enable TLS on it, use smtps://, or set "
                       "JAMBO_SMTP_LOOPBACK_PLAINTEXT=1 to send in plain text on the loopback";
            }
            return "; the relay offers no STARTTLS: enable TLS on it, use smtps://, or set JAMBO_SMTP_ALLOW_PLAINTEXT=1 "
                   "if the network to it is trusted";
        case CURLE_PEER_FAILED_VERIFICATION:
            return "; the relay's certificate is not trusted: set JAMBO_SMTP_CA_FILE to the CA that signed it";
        case CURLE_SSL_CACERT_BADFILE: return "; JAMBO_SMTP_CA_FILE cannot be read as a CA certificate";
        case CURLE_LOGIN_DENIED: return "; check the user and password in the SMTP URL";
        default: return {};
    }
}

// One message's exchange with the server: the easy handle with the message, envelope and
// callbacks set; the caller adds where to and how securely.
class Transfer {
public:
    Transfer(std::string text, std::string from, std::string to, const std::atomic<bool>& interrupted)
        : text_(std::move(text)), from_(std::move(from)), easy_(curl_easy_init()) {
        if (!easy_) throw DeliveryError("curl_easy_init failed", Failure::temporary);
        recipients_.reset(curl_slist_append(nullptr, to.c_str()));
        exchange_ = Exchange{.text = text_, .interrupted = &interrupted};
        auto* easy = easy_.get();
        curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from_.c_str());
        curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, recipients_.get());
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_message);
        curl_easy_setopt(easy, CURLOPT_READDATA, &exchange_);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, check_interrupt);
        curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &exchange_);
        // VERBOSE only so that track_command sees the commands; nothing is printed.
        curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
        curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, track_command);
        curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &exchange_);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_);
    }
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    [[nodiscard]] CURL* easy() const { return easy_.get(); }
    [[nodiscard]] bool authenticated() const { return exchange_.authenticated; }

    // What went wrong, without the addresses: curl's words, the step and the server's reply code.
    [[nodiscard]] DeliveryError failure(CURLcode result, const std::string& endpoint, bool loopback) const {
        long reply = 0;
        curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &reply);
        std::string what = endpoint + ": " + curl_easy_strerror(result);
        if (error_[0] != '\0') what += " (" + std::string(error_) + ")";
        what += " at " + std::string(step_name(exchange_.step));
        if (reply != 0) what += ", reply " + std::to_string(reply);
        what += remedy(result, loopback);
        const auto failure = is_permanent_failure(exchange_.step, reply) ? Failure::permanent : Failure::temporary;
        return DeliveryError(what, failure, static_cast<int>(reply));
    }

private:
    std::string text_;
    std::string from_;
    std::unique_ptr<CURL, EasyDeleter> easy_;
    std::unique_ptr<curl_slist, ListDeleter> recipients_;
    Exchange exchange_;
    char error_[CURL_ERROR_SIZE] = {};
};

// At start, not at the first delivery an hour later: a file curl cannot read certificates
// from would fail every delivery with a TLS error that does not name it.
void check_ca_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::invalid_argument("cannot read the SMTP CA file " + path);
    std::string line;
    while (std::getline(file, line)) {
        if (line.starts_with("-----BEGIN CERTIFICATE-----")) return;
    }
    throw std::invalid_argument("the SMTP CA file " + path +
                                " holds no PEM certificate (a '-----BEGIN CERTIFICATE-----' block)");
}

}  // namespace

// One delivery's sockets, recorded as curl opens them, so that they can be shut down, which
// ends at once whatever curl waits for on them: interrupt() shuts down every delivery's, and a
// failed delivery its own before the handle's cleanup, which says QUIT and waits for the reply
// up to the response timeout without asking the progress callback (a server that stopped
// answering would cost that wait twice, and a stop would wait for it). A socket is forgotten
// before curl closes it, so a number the kernel has since given to another file is never shut
// down.
struct SocketHooks {
    CurlSmtpTransport& transport;

    static curl_socket_t open(void* user, curlsocktype, curl_sockaddr* address) {
        auto& hooks = *static_cast<SocketHooks*>(user);
        std::scoped_lock lock(hooks.transport.sockets_mutex_);
        if (hooks.transport.interrupted_) return CURL_SOCKET_BAD;
        const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
        if (fd < 0) return CURL_SOCKET_BAD;
        hooks.transport.open_sockets_.emplace_back(fd, &hooks);
        return fd;
    }
    static int close(void* user, curl_socket_t fd) {
        auto& hooks = *static_cast<SocketHooks*>(user);
        {
            std::scoped_lock lock(hooks.transport.sockets_mutex_);
            std::erase_if(hooks.transport.open_sockets_, [fd](const auto& open) { return open.first == fd; });
        }
        return ::close(fd);
    }
    void shut_down_own() const {
        std::scoped_lock lock(transport.sockets_mutex_);
        for (const auto& [fd, owner] : transport.open_sockets_) {
            if (owner == this) ::shutdown(fd, SHUT_RDWR);
        }
    }
};

bool is_loopback_host(std::string_view host) {
    auto name = lower(host);
    if (name.ends_with('.')) name.pop_back();
    if (name == "localhost") return true;
    if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
    unsigned char bytes[16];
    if (inet_pton(AF_INET, name.c_str(), bytes) == 1) return bytes[0] == 127;
    if (inet_pton(AF_INET6, name.c_str(), bytes) != 1) return false;
    static constexpr unsigned char loopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static constexpr unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes, loopback6, 16) == 0) return true;
    return std::memcmp(bytes, mapped_prefix, 12) == 0 && bytes[12] == 127;
}

TlsMode tls_mode_for(std::string_view scheme, std::string_view host, const SmtpOptions& options) {
    if (lower(scheme) == "smtps") return TlsMode::implicit;
    if (options.allow_plaintext || (options.loopback_plaintext && is_loopback_host(host))) {
        return TlsMode::opportunistic;
    }
    return TlsMode::required;
}

bool is_permanent_failure(SmtpStep step, long reply_code) {
    bool message_refused = step == SmtpStep::rcpt_to || step == SmtpStep::data;
    return message_refused && reply_code >= 500 && reply_code < 600;
}

CurlSmtpTransport::CurlSmtpTransport(SmtpOptions options) : options_(std::move(options)) {
    ensure_curl_initialised();
    auto parts = split_url(options_.url);
    user_ = parts.user;
    password_ = parts.password;
    tls_mode_ = tls_mode_for(parts.scheme, parts.host, options_);
    loopback_ = is_loopback_host(parts.host);
    endpoint_ = parts.scheme + "://" + parts.host + ":" + parts.port;
    // curl takes the EHLO name from the URL's path.
    auto path = parts.path == "/" ? std::string() : parts.path;
    if (path.empty() && !options_.ehlo_name.empty()) path = "/" + options_.ehlo_name;
    url_ = endpoint_ + path;
    if (!options_.ca_file.empty()) check_ca_file(options_.ca_file);
}

void CurlSmtpTransport::interrupt() {
    std::scoped_lock lock(sockets_mutex_);
    interrupted_ = true;
    for (const auto& [fd, owner] : open_sockets_) ::shutdown(fd, SHUT_RDWR);
}

std::string CurlSmtpTransport::deliver(const MailMessage& message) {
    if (interrupted_) throw DeliveryError("mail delivery interrupted by shutdown", Failure::temporary);
    SocketHooks sockets{*this};  // before the transfer: its cleanup closes the sockets
    Transfer transfer(format_message(message), envelope_address(message.from, "From"),
                      envelope_address(message.to, "To"), interrupted_);
    auto* easy = transfer.easy();
    curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (!user_.empty()) {
        curl_easy_setopt(easy, CURLOPT_USERNAME, user_.c_str());
        curl_easy_setopt(easy, CURLOPT_PASSWORD, password_.c_str());
    }
    long use_ssl = tls_mode_ == TlsMode::opportunistic ? CURLUSESSL_TRY : CURLUSESSL_ALL;
    curl_easy_setopt(easy, CURLOPT_USE_SSL, use_ssl);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    // The reply to the message's end is waited for under this one, not under TIMEOUT_MS
    // (curl's own default: 120 s); whole seconds only in this curl, which refuses more than
    // INT_MAX / 1000 (and would then keep its 120 s).
    const auto reply_seconds = std::clamp<std::int64_t>(
        std::chrono::ceil<std::chrono::seconds>(options_.timeout).count(), 1, std::numeric_limits<int>::max() / 1000);
    if (curl_easy_setopt(easy, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(reply_seconds)) != CURLE_OK) {
        throw DeliveryError("curl refused the SMTP response timeout", Failure::temporary);
    }
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, SocketHooks::open);
    curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, &sockets);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, SocketHooks::close);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, &sockets);

    const auto result = curl_easy_perform(easy);
    if (result != CURLE_OK) {
        sockets.shut_down_own();  // no QUIT: the server may be the reason it failed
        throw transfer.failure(result, endpoint_, loopback_);
    }
    // curl sends mail unauthenticated when the relay offers no AUTH, even with credentials.
    if (!user_.empty() && !transfer.authenticated() && !warned_unused_credentials_.exchange(true)) {
        spdlog::warn("the SMTP relay {} offered no AUTH, so mail goes to it without the user and password of "
                     "the SMTP URL; if it should ask for them, check its configuration",
                     endpoint_);
    }
    return endpoint_;
}

}  // namespace jambo::smtp
