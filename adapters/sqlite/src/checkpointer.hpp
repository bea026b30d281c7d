#pragma once
// Checkpoints off the request path. SQLite's automatic checkpoint runs inside the commit that
// crosses wal_autocheckpoint, on the committing thread and under the write lock, with two
// fsyncs: the slowest commits were the ones that checkpointed. Every connection of the store
// reports its commits here instead (sqlite3_wal_hook, which also turns the automatic
// checkpoint off), and this thread checkpoints on its own connection:
//   - PASSIVE once `checkpoint_pages` more frames arrived since the last checkpoint: never
//     waits for readers or the writer. It then syncs the database file itself, which SQLite
//     leaves to the checkpoint that reaches the WAL's end: under constant writes that is the
//     writer's RESTART, which would otherwise flush everything copied since the last one;
//   - past `wal_bound_pages`, RESTART, run by the writer thread between two batches: under
//     constant writes a PASSIVE checkpoint never catches up (the WAL only starts over when a
//     write begins with every frame copied), so the WAL would only grow. From another thread
//     RESTART would starve: the writer takes the lock back within microseconds of each commit
//     and SQLite's busy handler polls in milliseconds. journal_size_limit then cuts the file
//     back to the bound;
//   - TRUNCATE after a second without commits: the WAL file goes back to zero bytes, so page
//     images of erased customers do not wait in its tail for the next busy period;
//   - TRUNCATE by the writer before its next batch once a customer was erased: under constant
//     writes no second without commits comes, and a RESTART leaves old frames in the file's
//     tail until they are written over, so the erased rows' images could stay for minutes.

#include "connection.hpp"

#include <jambo/sqlite/sqlite_store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace jambo::sqlite::detail {

class Checkpointer {
public:
    explicit Checkpointer(const SqliteOptions& options);
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;
    ~Checkpointer();

    /// Makes `connection` report its commits here. The checkpointer must outlive it.
    void watch(Connection& connection);
    /// Stops the thread (after any checkpoint in progress); later commits are ignored.
    void stop();

    /// Whether the WAL has outgrown wal_bound_pages, as of the last commit.
    [[nodiscard]] bool over_bound() const noexcept;
    /// Before a write, on the writing connection outside a transaction (the writer thread's
    /// or a direct writer's): if a customer was erased since the WAL was last truncated,
    /// copies the WAL and truncates it to zero bytes; else, past the bound, copies it and makes
    /// the write start it over. Returns at once if a checkpoint is running (unless the WAL is
    /// past twice the bound), and gives up quickly if readers hold on to the WAL: the next
    /// write tries again (a truncation after an erasure only after a pause, which grows while
    /// they keep holding on).
    void before_write(Connection& writer) noexcept;
    /// Held by whoever checkpoints in this process (SqliteStore::checkpoint() too).
    [[nodiscard]] std::unique_lock<std::mutex> exclusive();

private:
    static int on_wal_commit(void* self, struct sqlite3* db, const char* name, int pages);
    void committed(int pages) noexcept;
    void loop();
    void checkpoint(int mode) noexcept;
    [[nodiscard]] bool checkpoint_on(Connection& writer, int mode) noexcept;

    const SqliteOptions options_;
    std::unique_ptr<Connection> connection_;  // only the checkpointer thread touches it

    // The commit path only touches these atomics, and takes the mutex on a state change.
    std::atomic<int> wal_pages_{0};
    std::atomic<int> checkpointed_{0};  // WAL frames in the database file as of the last checkpoint
    std::atomic<bool> requested_{false};
    std::atomic<bool> dirty_{false};
    std::atomic<bool> scrub_{false};  // raised by a watched connection's erased()
    // After a truncation that readers defeated: not before this (steady clock, ms), and the
    // pause that set it, doubled at each failure.
    std::atomic<std::int64_t> scrub_retry_at_ms_{0};
    std::atomic<std::int64_t> scrub_pause_ms_{0};
    std::atomic<std::uint64_t> commits_{0};

    std::mutex checkpoint_mutex_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool started_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace jambo::sqlite::detail
