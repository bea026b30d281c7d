// One client connection: reading and parsing its requests, handing each to the handler (on
// the I/O thread, the blocking pool or asynchronously), writing the answers, timeouts and
// the goodbye; and the I/O thread's Worker that owns the connections.
#include "worker.hpp"

#include "access_log.hpp"
#include "errors.hpp"
#include "header_facts.hpp"
#include "request_id.hpp"
#include "text_util.hpp"
#include "wire.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>

namespace jambo::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using Parser = bhttp::request_parser<bhttp::string_body>;

constexpr std::size_t read_chunk = 8192;
constexpr std::size_t retained_buffer = 64 * 1024;
constexpr auto linger_time = std::chrono::milliseconds(1000);
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

// A handler gets at least this long before the sweep gives up on it (a stalled disk): a
// write waiting for the database lock, then for its batch, is answered, not cut off.
constexpr auto least_handling_time = std::chrono::seconds(60);

// The value of the first header field called `name` in the unparsed part of a header section,
// trimmed; for the answer to a request the parser refused before it had read that field. The
// part may start with the request line or, if the parser took lines already, with a field.
std::optional<std::string_view> raw_field_value(std::string_view raw, std::string_view name) {
    raw = raw.substr(0, raw.find("\r\n\r\n"));
    while (!raw.empty()) {
        const auto end = raw.find("\r\n");
        const auto line = raw.substr(0, end);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
            return trim_ows(line.substr(colon + 1));
        }
        raw.remove_prefix(end == std::string_view::npos ? raw.size() : end + 2);
    }
    return std::nullopt;
}

// What a Responder and its copies share, counted in SharedState::async_pending for as long as
// it lives. Using the Responder moves the connection into the post, so the copies that the
// store's writer destroys afterwards never hold the last reference: a Connection is released
// only on its own I/O thread, as Worker::detach needs.
struct PendingReply {
    PendingReply(std::shared_ptr<Connection> connection_, asio::io_context& ioc_, SharedState& shared_)
        : connection(std::move(connection_)), ioc(ioc_), guard(asio::make_work_guard(ioc_)), shared(shared_) {
        std::scoped_lock lock(shared.async_mutex);
        ++shared.async_pending;
    }
    PendingReply(const PendingReply&) = delete;
    PendingReply& operator=(const PendingReply&) = delete;
    ~PendingReply() {
        // Dropped unused (a handler broke its promise): still release the connection at home.
        if (connection) asio::post(ioc, [unused = std::move(connection)] {});
        guard.reset();
        // Last, notified under the lock: at zero run() may return and destroy the server.
        std::scoped_lock lock(shared.async_mutex);
        if (--shared.async_pending == 0) shared.async_idle.notify_all();
    }

    std::shared_ptr<Connection> connection;  ///< null once the Responder was used
    asio::io_context& ioc;
    asio::executor_work_guard<Executor> guard;
    SharedState& shared;
};

}  // namespace

void write_at_once(Socket& socket, Response response, std::string_view request_id) {
    add_standard_headers(response, request_id);
    std::string text;
    serialize(response, Framing{false, false, 11}, text);
    ErrorCode ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(text), ignored);
}

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Worker& worker, Socket socket) : worker_(worker), socket_(std::move(socket)) {
        new_parser();
        out_.reserve(1024);
    }
    ~Connection() {
        end_handling();
        worker_.detach(this);
        --worker_.shared.connections;
    }

    void start() {
        // A new connection must send its request promptly: it gets the header timeout, not idle.
        deadline_ = Clock::now() + options().header_timeout;
        read();
    }

    // When the server stops waiting (the grace period over, or a second signal), with the I/O
    // threads stopped: the client learns at once that no answer comes, instead of when the
    // process exits (a write may still be waiting for the database lock). A request still
    // being handled gets no access log line, so a warning says which it was. Its method and
    // target are only read, by the thread that handles it too; its id may still be being
    // chosen there, so it is not named.
    void abandon(std::string_view when) {
        if (counted_in_handling_) {
            spdlog::warn("shutdown: no answer sent to {} {} (still being handled when {})", request_.method_text,
                         redact_path(request_.target), when);
        }
        ErrorCode ignored;
        socket_.close(ignored);
    }

    // Called by the worker's sweep: one timer per thread instead of a timer operation per read.
    void on_sweep(Clock::time_point now) {
        if (state_ == State::closed || now < deadline_) return;
        // Closed without an answer, so no access log line says it: debug does (slowloris, idle
        // clients), off by default as a flood of these would be.
        if (state_ != State::closing) {
            spdlog::debug("closed a connection: {}", state_ == State::idle       ? "no request in time"
                                                     : state_ == State::writing  ? "answer not taken in time"
                                                     : state_ == State::handling ? "its request took too long to handle"
                                                     : !header_seen_             ? "header timeout"
                                                                                 : "request timeout");
        }
        if (state_ == State::reading) return time_out();
        close();
    }

    void on_shutdown() {
        keep_alive_ = false;
        if (state_ != State::idle) return;  // answered, then closed: keep_alive_ says so
        // The read waiting for the next request may have one already, its handler queued.
        // Cancelled, it ends with that request or with nothing, and on_read decides.
        ErrorCode ignored;
        socket_.cancel(ignored);
    }

    std::size_t index = 0;

private:
    enum class State { idle, reading, handling, writing, closing, closed };

    Worker& worker_;
    Socket socket_;
    beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    State state_ = State::idle;
    Clock::time_point deadline_;
    Clock::time_point started_;
    bool header_seen_ = false;
    bool keep_alive_ = true;
    bool counted_in_handling_ = false;
    std::string out_;  // reused for every response on this connection
    Request request_;
    AccessEntry log_;

    const ServerOptions& options() const { return worker_.shared.options; }

    void new_parser() {
        parser_.emplace();
        parser_->header_limit(options().max_header_bytes);
        parser_->body_limit(options().max_body_bytes);
        header_seen_ = false;
    }

    void read() {
        socket_.async_read_some(buffer_.prepare(read_chunk),
                                [self = shared_from_this()](ErrorCode ec, std::size_t n) { self->on_read(ec, n); });
    }

    void on_read(ErrorCode ec, std::size_t n) {
        if (ec == asio::error::operation_aborted && state_ == State::idle && worker_.stopping) return say_goodbye();
        if (ec || state_ == State::closed) return close();
        if (state_ == State::closing) return drain();  // after a 408: no other answer follows
        buffer_.commit(n);
        if (state_ == State::idle) begin_request();
        parse();
    }

    // A request cut off halfway is told why, as a connection refused past the cap is: a 408,
    // then a FIN, and what it still sends is drained. One that sent nothing gets no 408:
    // browsers take a 408 on a kept-alive connection for a reason to send their request again.
    void time_out() {
        const auto limit = header_seen_ ? options().request_timeout : options().header_timeout;
        auto response = request_timed_out(!header_seen_, limit);
        // Logged like any answer; before the header is whole there is no method or path yet.
        const auto& message = parser_->get();
        request_.method_text.assign(header_seen_ ? std::string_view(message.method_string()) : std::string_view());
        request_.target.assign(header_seen_ ? std::string_view(message.target()) : std::string_view());
        request_.request_id = choose_request_id(sent_request_id());
        log_ = AccessEntry{request_.method_text, request_.target, response.status, response.body.size(),
                           std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_),
                           request_.request_id};
        write_at_once(socket_, std::move(response), request_.request_id);
        log_access(*worker_.shared.access, log_, worker_.shared.options.log_json);
        linger(ReadWaiting::yes);
    }

    // Idle as the server stops. A request already in the socket was sent before the client
    // could know: it is in flight, and answered (with Connection: close). Otherwise a FIN,
    // not a close: a close with a request arriving resets the connection, and the client
    // could not tell whether its POST was saved; after a FIN it reads a clean end, and what
    // it sends after is drained unanswered.
    void say_goodbye() {
        ErrorCode ignored;
        if (socket_.available(ignored) > 0) return read();
        linger();
    }

    void begin_request() {
        state_ = State::reading;
        started_ = Clock::now();
        deadline_ = started_ + options().header_timeout;
    }

    void parse() {
        while (buffer_.size() > 0) {
            if (!header_seen_ && !skip_empty_lines()) break;
            ErrorCode ec;
            std::size_t used = 0;
            try {
                used = parser_->put(buffer_.data(), ec);
            } catch (const std::exception&) {
                // Beast's fields hold a name or value of at most 65,535 bytes and throw beyond
                // that: a header under a --max-header-bytes above 64 KiB, or a trailer.
                return reject(bhttp::error::header_limit);
            }
            // A refused request stays in buffer_ whole: its answer reads the id and method there.
            if (ec && ec != bhttp::error::need_more) return reject(ec);
            if (!header_seen_ && parser_->is_header_done() && has_obs_fold(used)) return reject(bhttp::error::bad_obs_fold);
            buffer_.consume(used);
            // Beast waits for a chunk-size line or a trailer section whole and bounds neither:
            // what is left unparsed may not outgrow a header section (body bytes never wait).
            if (ec && header_seen_ && buffer_.size() > options().max_header_bytes) {
                return reject(bhttp::error::header_limit);
            }
            if (ec) break;
            if (used == 0 && !parser_->is_done() && header_seen_) break;
            if (!header_seen_ && parser_->is_header_done() && !on_header()) return;
            if (parser_->is_done()) return dispatch();
        }
        read();
    }

    // RFC 9112 5.2: a field line folded onto the next (obs-fold) may be refused with 400. Beast
    // joins the lines instead; a proxy in front may not have, and then the two read different
    // headers (the same reason two Content-Type fields are refused).
    bool has_obs_fold(std::size_t header_bytes) const {
        const std::string_view header(static_cast<const char*>(buffer_.data().data()), header_bytes);
        // One pass from line end to line end (memchr), on every request.
        for (auto end = header.find('\n'); end != std::string_view::npos && end + 1 < header.size();
             end = header.find('\n', end + 1)) {
            if (header[end + 1] == ' ' || header[end + 1] == '\t') return true;
        }
        return false;
    }

    // RFC 9112 2.2: empty lines before a request line are ignored (some clients send one after
    // a body). Returns false while the buffer holds nothing else yet.
    bool skip_empty_lines() {
        const std::string_view text = unparsed();
        std::size_t n = 0;
        while (n < text.size() && (text[n] == '\n' || (text[n] == '\r' && n + 1 < text.size() && text[n + 1] == '\n'))) {
            n += text[n] == '\r' ? 2 : 1;
        }
        buffer_.consume(n);
        // A lone CR may be the first half of an empty line whose LF is still on its way.
        return buffer_.size() > 1 || (buffer_.size() == 1 && text[n] != '\r');
    }

    // Returns false when it started an asynchronous write that resumes parsing itself.
    bool on_header() {
        header_seen_ = true;
        deadline_ = started_ + options().request_timeout;
        const auto& message = parser_->get();
        const auto facts = header_facts(message);
        if (auto refusal = refuse_header(facts, options().max_header_bytes)) {
            answer_and_close(std::move(*refusal));
            return false;
        }
        // RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding is faulty framing; answer it
        // and close.
        if (facts.version < 11 && !facts.transfer_encoding.empty()) keep_alive_ = false;
        if (!facts.client_keeps_alive()) keep_alive_ = false;
        // RFC 9110 10.1.1: an HTTP/1.0 client's Expect is ignored, and it gets no 1xx.
        auto expect = message[bhttp::field::expect];
        if (parser_->is_done() || facts.version < 11 || !iequals(expect, "100-continue")) return true;
        asio::async_write(socket_, asio::buffer(continue_line.data(), continue_line.size()),
                          [self = shared_from_this()](ErrorCode ec, std::size_t) {
                              if (ec || self->state_ == State::closed) return self->close();
                              self->parse();
                          });
        return false;
    }

    void reject(ErrorCode ec) {
        if (ec == bhttp::error::bad_version && answer_as_http11()) {
            new_parser();
            return parse();
        }
        answer_and_close(unparsable_request(parse_failure(ec), unparsed(), request_line_read(parser_->get()),
                                            options().max_header_bytes, options().max_body_bytes));
    }

    // RFC 9112 2.3: a later HTTP/1 minor version (1.2) is answered as 1.1. Beast's parser
    // refuses it, so the request line in the buffer is rewritten to 1.1 and parsed again.
    bool answer_as_http11() {
        auto* data = static_cast<char*>(buffer_.data().data());
        const std::string_view text(data, buffer_.size());
        const auto line_end = text.find("\r\n");
        if (line_end == std::string_view::npos || line_end < 9) return false;
        if (text.substr(line_end - 9, 8) != " HTTP/1.") return false;
        char& minor = data[line_end - 1];
        if (minor < '2' || minor > '9') return false;
        minor = '1';
        return true;
    }

    // What the parser has not taken from the buffer yet.
    std::string_view unparsed() const { return {static_cast<const char*>(buffer_.data().data()), buffer_.size()}; }

    // The client's X-Request-Id, for an answer the parser may not have let the request finish:
    // a field the parser took, else a line of the unfinished header that arrived whole (one cut
    // off may hold a cut-off id).
    std::optional<std::string_view> sent_request_id() const {
        const auto& message = parser_->get();
        if (auto id = message.find("X-Request-Id"); id != message.end()) return id->value();
        if (parser_->is_header_done()) return std::nullopt;
        const auto raw = unparsed();
        const auto whole_lines = raw.rfind("\r\n");
        if (whole_lines == std::string_view::npos) return std::nullopt;
        return raw_field_value(raw.substr(0, whole_lines + 2), "X-Request-Id");
    }

    // Answers a request the server cannot take, and closes the connection after it. The
    // parser holds the request line and the fields it read before it stopped; what it had not
    // read yet is still in the buffer, where the id and the method are looked for next.
    void answer_and_close(Response response) {
        const auto& message = parser_->get();
        request_.method_text.assign(message.method_string());
        request_.target.assign(message.target());
        bool head = message.method() == bhttp::verb::head;
        if (!parser_->is_header_done() && !request_line_read(message)) head = unparsed().starts_with("HEAD ");
        request_.request_id = choose_request_id(sent_request_id());
        add_standard_headers(response, request_.request_id);
        keep_alive_ = false;
        if (state_ == State::idle) begin_request();
        reply(response, Framing{false, head, 11});
    }

    void dispatch() {
        auto& message = parser_->get();
        request_.method_text.assign(message.method_string());
        request_.method = method_from_string(request_.method_text);
        request_.set_target(std::string(message.target()));
        request_.version = message.version();
        request_.headers.clear();
        for (const auto& field : message) {
            request_.headers.add(std::string(field.name_string()), std::string(field.value()));
        }
        request_.body = std::move(message.body());
        request_.request_id.clear();
        keep_alive_ = keep_alive_ && !worker_.stopping;  // the client's wish is in, from on_header()

        if (worker_.shared.may_block && worker_.shared.may_block(request_)) {
            if (worker_.shared.start && dispatch_async()) return;
            return dispatch_blocking();
        }
        respond(call_handler());
    }

    // The request timeout covers receiving a request, not handling it: a write the sweep cut
    // off while it waited for the database would still commit, unanswered. Handling gets a
    // deadline of its own, long enough for the store's busy timeout and a batch; the answer's
    // write gets another (reply).
    void begin_handling() {
        state_ = State::handling;
        deadline_ = Clock::now() + std::max<std::chrono::milliseconds>(options().request_timeout, least_handling_time);
        if (!counted_in_handling_) {
            counted_in_handling_ = true;
            ++worker_.shared.requests_in_handling;
        }
    }

    void end_handling() {
        if (!counted_in_handling_) return;
        counted_in_handling_ = false;
        --worker_.shared.requests_in_handling;
    }

    // The pool thread owns request_ until the response is posted back: meanwhile no read is
    // pending on this connection, and the I/O thread only ever closes the socket (sweep).
    void dispatch_blocking() {
        begin_handling();
        const bool posted = worker_.shared.pool->post(
            [self = shared_from_this(), guard = asio::make_work_guard(worker_.ioc)]() mutable {
                Response response = self->call_handler();
                auto& ioc = self->worker_.ioc;
                // `self` moves along, so the connection is released on its own I/O thread; the
                // guard kept the io_context from running out of work until this post.
                asio::post(ioc, [self = std::move(self), response = std::move(response)]() mutable {
                    if (self->state_ == State::closed) return;
                    self->respond(std::move(response));
                });
            });
        if (!posted) respond(busy_answer());
    }

    // The headers every answer of the Api carries, which this one never reaches.
    Response busy_answer() {
        auto response = server_busy();
        add_standard_headers(response, ensure_request_id(request_));
        return response;
    }

    // No thread waits for the request: whoever finishes it (the store's writer) posts the
    // Responder's `make` here, and the response is built on this I/O thread.
    bool dispatch_async() {
        begin_handling();
        auto pending = std::make_shared<PendingReply>(shared_from_this(), worker_.ioc, worker_.shared);
        Responder respond = [pending](std::function<Response()> make) {
            auto self = std::move(pending->connection);
            if (!self) return;  // used already: a Responder answers once
            asio::post(pending->ioc, [self = std::move(self), guard = pending->guard, make = std::move(make)] {
                if (self->state_ == State::closed) return;
                self->respond(self->finished(make));
            });
        };
        pending.reset();
        bool started = false;
        try {
            started = worker_.shared.start(request_, respond);
        } catch (const std::exception& e) {
            spdlog::error("request handler threw: {}", e.what());
            respond([] { return internal_error(); });
            started = true;
        }
        if (!started) state_ = State::reading;
        return started;
    }

    void respond(const Response& response) {
        end_handling();
        reply(response, Framing{keep_alive_, request_.method == Method::head, request_.version});
    }

    Response call_handler() {
        return finished([this] { return worker_.shared.handler(request_); });
    }

    Response finished(const std::function<Response()>& make) {
        Response response = answer_or_500(make, request_.request_id);
        // A handler other than the Api may leave the id to us; every response carries one.
        if (request_.request_id.empty()) response.headers.add("X-Request-Id", ensure_request_id(request_));
        return response;
    }

    void reply(const Response& response, const Framing& framing) {
        out_.clear();
        serialize(response, framing, out_);
        log_ = AccessEntry{request_.method_text, request_.target, response.status,
                           framing.head ? 0 : response.body.size(), {}, request_.request_id};
        state_ = State::writing;
        deadline_ = Clock::now() + options().request_timeout;
        asio::async_write(socket_, asio::buffer(out_),
                          [self = shared_from_this()](ErrorCode ec, std::size_t) { self->on_written(ec); });
    }

    void on_written(ErrorCode ec) {
        log_.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
        log_access(*worker_.shared.access, log_, worker_.shared.options.log_json);
        if (ec || state_ == State::closed) return close();
        if (!keep_alive_) return linger();
        release_large_buffers();
        new_parser();
        state_ = State::idle;
        deadline_ = Clock::now() + options().idle_timeout;
        if (buffer_.size() > 0) {
            begin_request();
            return parse();
        }
        read();
    }

    // Thousands of idle keep-alive connections must not each keep the memory of their
    // largest request or response.
    void release_large_buffers() {
        if (out_.capacity() > retained_buffer) {
            out_.clear();
            out_.shrink_to_fit();
        }
        if (buffer_.size() == 0 && buffer_.capacity() > retained_buffer) buffer_.shrink_to_fit();
    }

    // Half-close and drain what the client still sends, so our last response is not lost to
    // a reset (RFC 9112 9.6). A read already waiting (a timeout cut its request off) drains
    // first, through on_read.
    enum class ReadWaiting { no, yes };
    void linger(ReadWaiting read_waiting = ReadWaiting::no) {
        state_ = State::closing;
        ErrorCode ignored;
        socket_.shutdown(asio::socket_base::shutdown_send, ignored);
        deadline_ = Clock::now() + linger_time;
        if (read_waiting == ReadWaiting::no) drain();
    }

    void drain() {
        buffer_.clear();
        socket_.async_read_some(buffer_.prepare(read_chunk), [self = shared_from_this()](ErrorCode ec, std::size_t) {
            if (ec || self->state_ == State::closed) return self->close();
            self->drain();
        });
    }

    void close() {
        if (state_ == State::closed) return;
        state_ = State::closed;
        ErrorCode ignored;
        socket_.close(ignored);
    }
};

void Worker::start_sweep() {
    const auto& o = shared.options;
    auto shortest = std::min({o.header_timeout, o.request_timeout, o.idle_timeout});
    auto period = std::clamp<std::chrono::milliseconds>(shortest / 8, std::chrono::milliseconds(10),
                                                        std::chrono::milliseconds(500));
    sweep.expires_after(period);
    sweep.async_wait([this](ErrorCode ec) {
        if (ec) return;
        auto now = Clock::now();
        for (std::size_t i = 0; i < connections.size(); ++i) connections[i]->on_sweep(now);
        if (!stopping || !connections.empty()) start_sweep();
    });
}

void Worker::adopt(Socket socket) {
    ErrorCode ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto connection = std::make_shared<Connection>(*this, std::move(socket));
    attach(connection.get());
    connection->start();
    // Accepted as the server stops: a request it already sent is answered, as on any idle
    // connection then; dropping it would reset the connection under that request.
    if (stopping) {
        connection->on_shutdown();
        if (connections.size() == 1) start_sweep();  // the stop may have ended it; the goodbye's linger needs it
    }
}

void Worker::shutdown() {
    stopping = true;
    for (std::size_t i = 0; i < connections.size(); ++i) connections[i]->on_shutdown();
    if (connections.empty()) sweep.cancel();
}

void Worker::attach(Connection* connection) {
    connection->index = connections.size();
    connections.push_back(connection);
}

void Worker::detach(Connection* connection) {
    auto index = connection->index;
    connections[index] = connections.back();
    connections[index]->index = index;
    connections.pop_back();
    if (stopping && connections.empty() && !tearing_down) sweep.cancel();
}

void Worker::abandon_all(std::string_view when) {
    for (auto* connection : connections) connection->abandon(when);
}

}  // namespace jambo::http
