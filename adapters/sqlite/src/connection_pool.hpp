#pragma once
// Connections per thread: each thread that begins a transaction gets its own connection (and
// its own statement cache), kept until the thread exits or the store closes.

#include "connection.hpp"

#include <jambo/sqlite/sqlite_store.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace jambo::sqlite::detail {

/// One thread's idle connections of one pool. Only that thread takes and returns connections,
/// so its mutex is uncontended and its memory stays in that core's cache: every request
/// leases a connection, and a pool-wide lock made the I/O threads wait for each other.
struct ThreadSlot {
    std::mutex mutex;
    std::vector<std::unique_ptr<Connection>> idle;
    /// Set when the pool closes or the thread exits; connections given back then are closed.
    std::atomic<bool> closed{false};

    /// Marks the slot closed and hands over its idle connections (to close outside the lock).
    std::vector<std::unique_ptr<Connection>> close();
};

/// Exclusive use of one connection; gives it back to its thread's slot when destroyed.
class ConnectionLease {
public:
    ConnectionLease(std::shared_ptr<ThreadSlot> slot, std::unique_ptr<Connection> connection);
    ConnectionLease(ConnectionLease&&) noexcept = default;
    ConnectionLease& operator=(ConnectionLease&&) = delete;
    ~ConnectionLease();

    [[nodiscard]] Connection& connection() { return *connection_; }

private:
    std::shared_ptr<ThreadSlot> slot_;
    std::unique_ptr<Connection> connection_;
};

class ConnectionPool {
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

private:
    std::shared_ptr<ThreadSlot> slot_of_this_thread();
    std::shared_ptr<ThreadSlot> add_slot_for_this_thread();

    const SqliteOptions options_;
    const std::function<void(Connection&)> on_open_;
    /// Tells this pool's slots apart from those of a pool that lived at the same address.
    const std::uint64_t id_;
    std::mutex mutex_;  ///< guards closed_ and slots_ (taken once per thread, not per lease)
    bool closed_ = false;
    std::vector<std::shared_ptr<ThreadSlot>> slots_;
};

}  // namespace jambo::sqlite::detail
