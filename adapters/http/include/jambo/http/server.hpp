#pragma once
/// The HTTP/1.1 server: one io_context per worker thread, a single acceptor handing
/// connections round-robin to the workers, a pool of threads for handlers that block, the
/// contract's timeouts and limits, an access log.
/// No Beast or Asio type appears here.

#include <jambo/http/message.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace jambo::http {

struct ServerOptions {
    std::string address = "127.0.0.1";  ///< an IPv4 or IPv6 literal
    std::uint16_t port = 8000;           ///< 0 picks a free port; see Server::port()
    unsigned threads = 1;
    std::chrono::milliseconds header_timeout{10'000};   ///< first byte to end of header
    std::chrono::milliseconds request_timeout{30'000};  ///< first byte to end of body
    std::chrono::milliseconds idle_timeout{60'000};     ///< between keep-alive requests
    std::chrono::milliseconds shutdown_grace{10'000};   ///< for in-flight requests on stop
    std::size_t max_body_bytes = 64 * 1024;
    std::uint32_t max_header_bytes = 16 * 1024;
    /// Past it a new connection gets a prompt 503. Lowered, with a warning, to fit the
    /// process's open-file limit (RLIMIT_NOFILE) less what the rest of the process keeps open.
    std::size_t max_connections = 10'000;
    /// Threads for requests that may block (see BlockingPredicate) and that no
    /// AsyncRequestHandler took, started on demand. Each is one write that can share the
    /// store's next group commit.
    std::size_t blocking_threads = 64;
    /// Added to the blocking threads' nice value (Linux; 0 leaves it alone). When a group
    /// commit ends, all of its callers wake at once; at equal weight the kernel would share the
    /// cores among them and the store's single writer, starting the next batch late. Lower
    /// weight for the callers lets the writer and the I/O threads run first: 3–5 % more
    /// creates and mixed requests per second on 2 cores (docs/benchmarks.md), about the size
    /// of the noise, but in every interleaved pair. Raising a nice value needs no privilege.
    /// The store's writer must not be started by one of these threads (threads inherit it).
    int blocking_nice_increment = 5;
    /// SIGINT, SIGTERM and SIGHUP stop the server gracefully. Off by default: a program that
    /// embeds the server has its own idea of its signals (SIGHUP often means "reload") and
    /// calls stop(); the jambo executable turns it on.
    bool handle_signals = false;
    bool log_json = false;       ///< access log entries as JSON fields rather than one line of text
};

/// Called for every complete request, on an I/O thread or a blocking-pool thread; must be
/// thread-safe and not throw.
using RequestHandler = std::function<Response(Request&)>;

/// Whether handling `request` may block (it writes to the store and waits for the commit).
/// Such requests run on a pool of blocking threads; all others inline on the I/O threads,
/// which must never wait. Called on an I/O thread.
using BlockingPredicate = std::function<bool(const Request&)>;

/// Offered each request that may block (BlockingPredicate), on its I/O thread, before a pool
/// thread takes it: starts handling a request that would only wait for something that calls
/// back (a write queued for the store's group commit) and returns true; the response then
/// goes to the Responder and no thread waits. False leaves the request to the pool and the
/// RequestHandler. Must not block; throws only before it has called the Responder (the
/// server then answers 500).
using AsyncRequestHandler = std::function<bool(Request&, const Responder&)>;

/// The default BlockingPredicate: every method but GET, HEAD and OPTIONS.
[[nodiscard]] bool unsafe_method(const Request& request);

class Server {
public:
    /// Binds the listening socket. Throws std::runtime_error if it cannot.
    Server(ServerOptions options, RequestHandler handler, BlockingPredicate may_block = unsafe_method,
           AsyncRequestHandler start = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    [[nodiscard]] std::uint16_t port() const;

    /// Takes SIGINT, SIGTERM and SIGHUP now rather than at run(), so that a stop signal sent
    /// once the caller has announced the server (its "listening" log line) is a graceful stop
    /// that run() honours. Idempotent; does nothing unless ServerOptions::handle_signals.
    void catch_signals();
    /// Serves until stop() or a signal; then stops accepting, lets in-flight requests finish
    /// within the grace period, and returns once no handler is running and every Responder it
    /// handed out is gone (used or dropped), even after the grace period. If an I/O thread
    /// died of an exception instead, it stops the same way and then throws std::runtime_error.
    void run();
    /// Thread-safe and idempotent; also safe before run().
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace jambo::http
