// The listening side of the HTTP server: the acceptor and its connection cap, the I/O
// threads, signals, and the graceful stop. A connection's own life is in connection.cpp.
#include <jambo/http/server.hpp>

#include "errors.hpp"
#include "request_id.hpp"
#include "worker.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace jambo::http {

namespace {

using SignalSet = asio::basic_signal_set<Executor>;

// Files the process keeps open besides its connections: per I/O thread its epoll, eventfd and
// timerfd; per thread that opens a SQLite connection (I/O and blocking-pool threads, the
// store's writer, checkpointer and the mail relay) the database and its WAL; and a margin for
// logs, mail files, the signal pipe and the shared-memory index.
std::size_t files_besides_connections(const ServerOptions& options) {
    const std::size_t io_threads = std::max(1U, options.threads);
    return 3 * (io_threads + 1) + 2 * (io_threads + options.blocking_threads + 4) + 32;
}

// Past the open-file limit accept() fails (EMFILE) and new clients wait in the backlog
// instead of getting the prompt 503 the cap promises; so the cap stays under the limit.
std::size_t connection_cap(const ServerOptions& options) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return options.max_connections;
    const auto open_files = static_cast<std::size_t>(limit.rlim_cur);
    const auto reserved = files_besides_connections(options);
    const std::size_t usable = open_files > reserved + 1 ? open_files - reserved : 1;
    if (usable >= options.max_connections) return options.max_connections;
    spdlog::warn("at most {} connections, not {}: the open-file limit is {} (raise the hard limit: ulimit -Hn, or LimitNOFILE= "
                 "in a systemd unit) and {} files are kept for threads, the database, logs and mail",
                 usable, options.max_connections, open_files, reserved);
    return usable;
}

// The servers of one process share its signals. The first to take one keeps what the program
// had for it; the last to let go puts that back: Asio keeps its own handler while any of its
// signal sets holds the signal, and restoring earlier would disarm the servers still running.
class SignalHolders {
public:
    // False for a SIGHUP the program ignores: nohup's doing, asking the server to outlive its
    // terminal.
    bool take(int number) {
        std::scoped_lock lock(mutex_);
        auto& [holders, original] = held_[number];
        if (holders == 0) {
            struct sigaction before {};
            ::sigaction(number, nullptr, &before);
            const bool ignored = (before.sa_flags & SA_SIGINFO) == 0 && before.sa_handler == SIG_IGN;
            if (number == SIGHUP && ignored) return false;
            original = before;
        }
        ++holders;
        return true;
    }

    // After the server's signal set is gone, which leaves SIG_DFL when it was the last.
    void give_back(int number) {
        std::scoped_lock lock(mutex_);
        auto& [holders, original] = held_[number];
        if (holders > 0 && --holders == 0) ::sigaction(number, &original, nullptr);
    }

private:
    std::mutex mutex_;
    std::map<int, std::pair<unsigned, struct sigaction>> held_;
};

SignalHolders& signal_holders() {
    static SignalHolders holders;
    return holders;
}

}  // namespace

struct Server::Impl {
    SharedState shared;
    std::vector<std::unique_ptr<Worker>> workers;
    std::optional<Acceptor> acceptor;
    // Signals wait on their own io_context and thread: a wait pending on a worker's would keep
    // that worker from running out of work at shutdown, so the second signal could not be heard.
    asio::io_context signal_ioc{1};
    std::optional<SignalSet> signals;
    std::vector<int> signals_taken;  ///< the signals this server holds (see SignalHolders)
    std::thread signal_thread;  ///< started by catch_signals()
    std::optional<Timer> accept_retry;  ///< on worker 0, beside the acceptor
    std::size_t next_worker = 0;
    std::size_t refused_since_warning = 0;  // the acceptor's thread only
    Clock::time_point last_refusal_warning{};
    std::uint16_t port = 0;

    std::mutex mutex;
    std::condition_variable changed;
    bool stop_requested = false;
    bool hurry = false;  ///< a second signal: close what is left now
    std::size_t running = 0;
    std::optional<std::string> failure;  ///< why an I/O thread stopped, when no signal asked it to

    Impl(ServerOptions options, RequestHandler handler, BlockingPredicate may_block, AsyncRequestHandler start) {
        make_workers(std::move(options), std::move(handler), std::move(may_block), std::move(start));
        listen();
        for (auto& worker : workers) worker->start_sweep();
        accept();
    }

    void make_workers(ServerOptions options, RequestHandler handler, BlockingPredicate may_block,
                      AsyncRequestHandler start) {
        shared.options = std::move(options);
        shared.options.max_connections = connection_cap(shared.options);
        shared.handler = std::move(handler);
        shared.may_block = std::move(may_block);
        shared.start = std::move(start);
        shared.pool = std::make_unique<BlockingPool>(shared.options.blocking_threads,
                                                     shared.options.blocking_nice_increment);
        auto access = spdlog::get("access");
        shared.access = access ? access : spdlog::default_logger();
        auto count = std::max(1U, shared.options.threads);
        for (unsigned i = 0; i < count; ++i) workers.push_back(std::make_unique<Worker>(shared));
    }

    void listen() {
        const auto& o = shared.options;
        ErrorCode ec;
        auto address = asio::ip::make_address(o.address, ec);
        if (ec) throw std::runtime_error("invalid listen address '" + o.address + "'");
        asio::ip::tcp::endpoint endpoint(address, o.port);
        acceptor.emplace(workers.front()->ioc.get_executor());
        accept_retry.emplace(workers.front()->ioc.get_executor());
        acceptor->open(endpoint.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor->bind(endpoint, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            throw std::runtime_error("cannot listen on " + o.address + ":" + std::to_string(o.port) + ": " +
                                     ec.message());
        }
        port = acceptor->local_endpoint().port();
    }

    // Connections are handed round-robin to the workers' own io_contexts (no strands, no
    // shared queue); the acceptor lives on worker 0.
    void accept() {
        auto& worker = *workers[next_worker++ % workers.size()];
        acceptor->async_accept(worker.ioc, [this, &worker](ErrorCode ec, Socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (ec) return acceptor->is_open() ? retry_accept(ec) : void();
            if (!acceptor->is_open()) return adopt_at_stop(std::move(socket));  // accepted as the stop came
            if (shared.connections.load() >= shared.options.max_connections) {
                note_refusal();
                refuse(socket);
            } else {
                ++shared.connections;
                asio::post(worker.ioc, [&worker, s = std::move(socket)]() mutable { worker.adopt(std::move(s)); });
            }
            accept();
        });
    }

    // Connections the kernel has completed and we have not accepted yet: closing the acceptor
    // would reset them, under requests their clients may have sent already. At most a
    // backlog's worth, so that a flood of new connections cannot hold the stop here.
    void accept_backlog() {
        ErrorCode ec;
        acceptor->non_blocking(true, ec);
        for (int taken = 0; !ec && taken < asio::socket_base::max_listen_connections; ++taken) {
            Socket socket(workers.front()->ioc);
            acceptor->accept(socket, ec);  // would_block once the backlog is empty
            if (!ec) adopt_at_stop(std::move(socket));
        }
    }

    // On worker 0, which runs the acceptor: the other workers may have finished their stop
    // already, so worker 0 takes the connection. Stopping, it answers a request that was
    // sent and says goodbye otherwise; a socket dropped here would be reset.
    void adopt_at_stop(Socket socket) {
        auto& home = *workers.front();
        if (&socket.get_executor().context() != &home.ioc) {
            ErrorCode ec;
            const auto protocol = socket.local_endpoint(ec).protocol();
            const auto fd = ec ? -1 : socket.release(ec);
            if (ec) return;  // the socket, still ours, closes
            socket = Socket(home.ioc);
            if (socket.assign(protocol, fd, ec); ec) return (void)::close(fd);
        }
        if (shared.connections.load() >= shared.options.max_connections) return refuse(socket);
        ++shared.connections;
        home.adopt(std::move(socket));
    }

    // The 503s past the cap never reach the access log (no request was read): one warning per
    // ten seconds at most says they happen, however many there are (the rest at shutdown).
    void note_refusal() {
        ++refused_since_warning;
        if (Clock::now() - last_refusal_warning >= std::chrono::seconds(10)) warn_of_refusals();
    }

    void warn_of_refusals() {
        if (refused_since_warning == 0) return;
        spdlog::warn("at the connection cap ({}): {} new connection(s) got 503 since the last such warning",
                     shared.options.max_connections, refused_since_warning);
        refused_since_warning = 0;
        last_refusal_warning = Clock::now();
    }

    // Out of file descriptors, for example: try again shortly instead of spinning.
    void retry_accept(ErrorCode ec) {
        spdlog::warn("accept failed: {}", ec.message());
        accept_retry->expires_after(std::chrono::milliseconds(100));
        accept_retry->async_wait([this](ErrorCode wait_ec) {
            if (!wait_ec && acceptor->is_open()) accept();
        });
    }

    // Closing a socket with unread bytes makes the kernel send a reset, which can destroy the
    // 503 before the client reads it; so what the client has sent by now (its request,
    // usually) is read and dropped first, without waiting for more: a refused connection must
    // not hold the acceptor.
    static void refuse(Socket& socket) {
        write_at_once(socket, server_busy(), new_request_id());
        ErrorCode ignored;
        socket.shutdown(asio::socket_base::shutdown_send, ignored);
        std::array<char, 4096> sink{};
        for (int reads = 0; reads < 16; ++reads) {
            ErrorCode error;
            socket.read_some(asio::buffer(sink), error);
            if (error) break;  // would_block: nothing more has arrived; or the client is gone
        }
        socket.close(ignored);
    }

    // The first signal starts a graceful stop; another one (Ctrl-C pressed twice) closes the
    // connections still open at once, with the same clean end (checkpoint, exit 0).
    void await_signal() {
        signals->async_wait([this](ErrorCode ec, int signal) {
            if (ec) return;
            {
                std::scoped_lock lock(mutex);
                if (!stop_requested) {
                    spdlog::info("signal {} received; stopping", signal);
                    stop_requested = true;
                } else {
                    spdlog::warn("signal {} received again; closing the remaining connections now", signal);
                    hurry = true;
                }
                changed.notify_all();
            }
            await_signal();
        });
    }

    // Taken when the caller is ready (catch_signals) or at run(), not when the port is: until
    // then Ctrl-C stops the process as usual (the caller may still be opening its database).
    // SIGHUP too: a closed terminal, or a `kill -HUP` meant for "reopen logs", must not end the
    // server without its checkpoint. A signal caught before run() is a stop run() honours.
    // Except a SIGHUP the program ignores: that is nohup's doing, asking the server to outlive
    // its terminal.
    void catch_signals() {
        if (!shared.options.handle_signals || signal_thread.joinable()) return;
        signals.emplace(signal_ioc.get_executor());
        for (const int number : {SIGINT, SIGTERM, SIGHUP}) {
            if (!signal_holders().take(number)) {
                spdlog::info("SIGHUP is ignored (nohup): it will not stop the server");
                continue;
            }
            signals_taken.push_back(number);
            signals->add(number);
        }
        await_signal();
        signal_thread = std::thread([this] {
            pthread_setname_np(pthread_self(), "jambo-signals");
            signal_ioc.run();
        });
    }

    void stop_catching_signals() {
        signal_ioc.stop();
        if (signal_thread.joinable()) signal_thread.join();
    }

    // Only when the server goes: a signal after run() returned does nothing, rather than cut
    // short the program's own shutdown (a final checkpoint). Asio would leave SIG_DFL behind;
    // the program gets back what it had (its handler, an ignore).
    void give_back_signals() {
        signals.reset();
        for (const int number : signals_taken) signal_holders().give_back(number);
        signals_taken.clear();
    }

    ~Impl() {
        stop_catching_signals();  // signals caught, but run() never came
        give_back_signals();
    }

    void request_stop() {
        std::scoped_lock lock(mutex);
        stop_requested = true;
        changed.notify_all();
    }

    void run() {
        std::vector<std::thread> threads;
        {
            std::scoped_lock lock(mutex);
            running = workers.size();
        }
        for (auto& worker : workers) {
            threads.emplace_back([this, w = worker.get()] {
                pthread_setname_np(pthread_self(), "jambo-io");
                run_worker(*w);
            });
        }
        catch_signals();
        std::unique_lock lock(mutex);
        changed.wait(lock, [this] { return stop_requested || running < workers.size(); });
        lock.unlock();
        begin_shutdown();
        lock.lock();
        changed.wait_for(lock, shared.options.shutdown_grace, [this] { return running == 0 || hurry; });
        const bool cut_short = running > 0;
        const bool hurried = hurry;
        lock.unlock();
        if (cut_short) {
            if (!hurried) {
                const std::size_t handled = shared.requests_in_handling.load();
                spdlog::warn("shutdown grace period over; closing the remaining connections ({} requests still being "
                             "handled: their clients get no answer, though their changes may still be saved)",
                             handled);
            }
            for (auto& worker : workers) worker->ioc.stop();
        }
        for (auto& thread : threads) thread.join();
        if (cut_short) {
            const auto when = hurried ? "a second signal came" : "the grace period ended";
            for (auto& worker : workers) worker->abandon_all(when);
        }
        stop_catching_signals();
        // Handlers still running use what the caller of run() owns (the Api, the store).
        {
            std::unique_lock async(shared.async_mutex);
            shared.async_idle.wait(async, [this] { return shared.async_pending == 0; });
        }
        shared.pool->stop();
        // Not a stop anyone asked for: say so to whoever started the server (a supervisor
        // restarts it on failure, not on a clean exit).
        std::scoped_lock failed(mutex);
        if (failure) throw std::runtime_error("an I/O thread stopped (" + *failure + "); the server stopped with it");
    }

    void run_worker(Worker& worker) {
        try {
            worker.ioc.run();
        } catch (const std::exception& e) {
            spdlog::error("worker stopped: {}", e.what());
            std::scoped_lock lock(mutex);
            failure = e.what();
        }
        std::scoped_lock lock(mutex);
        --running;
        changed.notify_all();
    }

    void begin_shutdown() {
        const auto tell_workers = [this] {
            for (auto& worker : workers) asio::post(worker->ioc, [w = worker.get()] { w->shutdown(); });
        };
        bool worker_failed = false;
        {
            std::scoped_lock lock(mutex);
            worker_failed = failure.has_value();
        }
        // Told after the acceptor's close, from its thread: a connection it handed to a worker
        // just before is then queued there before the stop, which would otherwise end that
        // worker's run with the connection unadopted, and reset. After an I/O thread failed
        // (worker 0's, perhaps), every worker is told at once.
        asio::post(workers.front()->ioc, [this, worker_failed, tell_workers] {
            accept_backlog();
            ErrorCode ignored;
            acceptor->close(ignored);
            accept_retry->cancel();
            warn_of_refusals();  // the rest of a burst, not yet told by a later warning
            if (!worker_failed) tell_workers();
        });
        if (worker_failed) tell_workers();
    }
};

bool unsafe_method(const Request& request) {
    return request.method != Method::get && request.method != Method::head && request.method != Method::options;
}

Server::Server(ServerOptions options, RequestHandler handler, BlockingPredicate may_block,
               AsyncRequestHandler start)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(may_block), std::move(start))) {}

Server::~Server() {
    // Before the workers go: a job still queued would post to their io_contexts.
    impl_->shared.pool->stop();
}

std::uint16_t Server::port() const { return impl_->port; }

void Server::catch_signals() { impl_->catch_signals(); }

void Server::run() { impl_->run(); }

void Server::stop() { impl_->request_stop(); }

}  // namespace jambo::http

