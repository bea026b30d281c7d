#pragma once
// Connections per thread: each thread that begins a transaction gets its own connection (and
// its own statement cache), kept until the thread exits or the store closes.

#include "connection.hpp"

#include <jambo/sqlite/sqlite_store.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace jambo::sqlite::detail {

class ConnectionPool;

/// Exclusive use of one connection; gives it back to the pool when destroyed.
class ConnectionLease {
public:
    ConnectionLease(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<Connection> connection);
    ConnectionLease(ConnectionLease&&) noexcept = default;
    ConnectionLease& operator=(ConnectionLease&&) = delete;
    ~ConnectionLease();

    [[nodiscard]] Connection& connection() { return *connection_; }

private:
    std::shared_ptr<ConnectionPool> pool_;
    std::unique_ptr<Connection> connection_;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
public:
    /// `on_open` runs on every new connection before first use (e.g. a schema version check).
    ConnectionPool(SqliteOptions options, std::function<void(Connection&)> on_open);
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    /// This thread's idle connection, or a new one when it has none (first use, or a
    /// transaction already open on this thread).
    [[nodiscard]] ConnectionLease acquire();
    /// A connection no thread will reuse, for work that must not share one (backup).
    [[nodiscard]] std::unique_ptr<Connection> open() const;
    [[nodiscard]] const std::string& path() const { return options_.path; }
    /// Closes every idle connection; connections still leased close when given back.
    void close();

    void give_back(std::unique_ptr<Connection> connection) noexcept;
    /// Called when a thread exits: its connections will never be used again.
    void forget_thread(std::thread::id thread) noexcept;

private:
    void watch_thread_exit();

    const SqliteOptions options_;
    const std::function<void(Connection&)> on_open_;
    std::mutex mutex_;
    bool closed_ = false;
    std::unordered_map<std::thread::id, std::vector<std::unique_ptr<Connection>>> idle_;
};

}  // namespace jambo::sqlite::detail
