#include "connection_pool.hpp"

#include <algorithm>
#include <utility>

namespace jambo::sqlite::detail {

namespace {

// Per thread, the pools that hold a connection for it; on thread exit each is told to close
// them, so a server that starts and stops threads does not accumulate connections.
struct ThreadExitHooks {
    std::vector<std::weak_ptr<ConnectionPool>> pools;

    ~ThreadExitHooks() {
        const auto self = std::this_thread::get_id();
        for (auto& weak : pools) {
            if (auto pool = weak.lock()) pool->forget_thread(self);
        }
    }

    void add(std::weak_ptr<ConnectionPool> pool) {
        std::erase_if(pools, [](const auto& weak) { return weak.expired(); });
        pools.push_back(std::move(pool));
    }
};

thread_local ThreadExitHooks thread_exit_hooks;

}  // namespace

ConnectionLease::ConnectionLease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> connection)
    : pool_(std::move(pool)), connection_(std::move(connection)) {}

ConnectionLease::~ConnectionLease() {
    // A connection whose rollback failed is still inside a transaction; closing it rolls
    // back, reusing it would not.
    if (pool_ && connection_ && !connection_->in_transaction()) pool_->give_back(std::move(connection_));
}

ConnectionPool::ConnectionPool(SqliteOptions options, std::function<void(Connection&)> on_open)
    : options_(std::move(options)), on_open_(std::move(on_open)) {}

ConnectionLease ConnectionPool::acquire() {
    {
        std::scoped_lock lock(mutex_);
        if (auto it = idle_.find(std::this_thread::get_id()); it != idle_.end() && !it->second.empty()) {
            auto connection = std::move(it->second.back());
            it->second.pop_back();
            return ConnectionLease(shared_from_this(), std::move(connection));
        }
    }
    // Opening takes milliseconds; do it outside the lock.
    return ConnectionLease(shared_from_this(), open());
}

std::unique_ptr<Connection> ConnectionPool::open() const {
    auto connection = std::make_unique<Connection>(options_);
    if (on_open_) on_open_(*connection);
    return connection;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) noexcept {
    std::unique_lock lock(mutex_);
    if (closed_) {
        lock.unlock();
        return;  // `connection` closes here, outside the lock
    }
    const auto [it, first_for_thread] = idle_.try_emplace(std::this_thread::get_id());
    try {
        it->second.push_back(std::move(connection));
        if (first_for_thread) {
            lock.unlock();
            watch_thread_exit();
        }
    } catch (...) {  // out of memory: closing the connection is a correct fallback
    }
}

void ConnectionPool::watch_thread_exit() { thread_exit_hooks.add(weak_from_this()); }

void ConnectionPool::forget_thread(std::thread::id thread) noexcept {
    std::vector<std::unique_ptr<Connection>> leaving;
    {
        std::scoped_lock lock(mutex_);
        if (auto it = idle_.find(thread); it != idle_.end()) {
            leaving = std::move(it->second);
            idle_.erase(it);
        }
    }
}

void ConnectionPool::close() {
    std::unordered_map<std::thread::id, std::vector<std::unique_ptr<Connection>>> closing;
    {
        std::scoped_lock lock(mutex_);
        closed_ = true;
        closing.swap(idle_);
    }
}

}  // namespace jambo::sqlite::detail
