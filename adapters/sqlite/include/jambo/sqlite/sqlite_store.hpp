#pragma once
/// jambo::sqlite — the embedded default Store, on SQLite through SQLiteCpp. No SQLite type
/// appears here, so including this header costs an embedder nothing.

#include <jambo/core/ports/store.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace jambo::sqlite {

/// `normal` survives a process crash; `full` also survives power loss (fsync every commit).
enum class Durability { normal, full };

struct SqliteOptions {
    std::string path = "jambo.db";
    Durability durability = Durability::normal;
    /// How long a transaction waits for another writer (or process) before StoreUnavailable.
    std::chrono::milliseconds busy_timeout{5000};
    /// Cap on the database file's size; 0 means none. Writes that would grow it further fail
    /// with StoreUnavailable, exactly as on a full disk.
    std::uint64_t max_size_bytes = 0;
    /// A background thread copies the WAL into the database file once it holds this many
    /// pages, off the request path and without blocking readers or the writer. Kept small so
    /// the writer's WAL restarts (below) find little left to copy: each one holds every
    /// pending write back. Creating customers with 64 connections, 500 instead of 2,000 cut
    /// the time restarts held the writer from ~450 to ~310 ms per 12 s and create p99 from
    /// ~30 to ~21 ms (docs/benchmarks.md)...
    std::uint32_t checkpoint_pages = 500;
    /// ...and, when writes never pause long enough for that to catch up, briefly holds the
    /// writer back to start the WAL over once it passes this many pages: the WAL file stays
    /// near this size (4 KiB pages).
    std::uint32_t wal_bound_pages = 16384;
};

/// Thrown when the file was written by a newer Jambo (its schema version is higher than ours).
class SchemaTooNew : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Thrown by SqliteStore::checkpoint() when another connection's open transaction (often
/// another process's: a backup, a sqlite3 shell) keeps the WAL from being copied and
/// truncated. Nothing is lost: what is left stays in the WAL, and the next open applies it.
class CheckpointIncomplete : public core::StoreUnavailable {
public:
    using core::StoreUnavailable::StoreUnavailable;
};

class SqliteStore final : public core::Store {
public:
    /// Opens (creating if needed) and migrates the database. Throws SchemaTooNew for a schema
    /// newer than this build's; core::StoreUnavailable (a std::runtime_error) when the file
    /// cannot be opened or is locked, with SQLite's explanation; std::runtime_error for a file
    /// that belongs to another application (its application_id, or tables without jambo's
    /// mark) and for any other SQLite error.
    explicit SqliteStore(SqliteOptions options);
    ~SqliteStore() override;

    /// Safe from any thread; each thread gets its own connection (closed when the thread
    /// exits or the store closes). A write waits up to busy_timeout for other writers, in
    /// this or another process, then throws StoreUnavailable. Writes through a read
    /// transaction throw std::logic_error; so does using a transaction after it committed
    /// or failed. A thread may open a read transaction while it holds a write transaction.
    [[nodiscard]] std::unique_ptr<core::Transaction> begin(core::TransactionMode mode) override;
    /// Group commit: one writer thread runs the queued work of every caller in one
    /// transaction, each in its own savepoint (so one caller's failure or exception undoes
    /// only its own changes and reaches only that caller), commits, then lets them all return.
    /// A batch waits for other writers (direct write transactions, other processes) like any
    /// BEGIN IMMEDIATE. `work` runs on the writer thread.
    void run_write(const std::function<bool(core::Transaction&)>& work) override;
    /// Queues `work` for the writer thread's next batch and returns; `done` runs on the writer
    /// thread after that batch's commit.
    void submit_write(std::function<bool(core::Transaction&)> work,
                      std::function<void(std::exception_ptr)> done) override;
    /// True: submit_write never waits.
    [[nodiscard]] bool queues_writes() const override { return true; }
    /// A read of the database; a success is trusted for the next 100 ms.
    [[nodiscard]] bool healthy() override;

    /// Consistent copy of the live database to `destination` (SQLite's online backup API),
    /// safe while other threads and processes write. Written to `destination.partial` and
    /// renamed, so `destination` is either the old file or a complete copy.
    void backup_to(const std::string& destination);
    /// Moves the WAL into the main file and truncates it (used on shutdown). Afterwards
    /// nothing erased is left in either file. (The background checkpointer does the same
    /// after a second without writes.) Throws CheckpointIncomplete if open transactions
    /// keep it from finishing within busy_timeout, StoreUnavailable if it cannot write.
    void checkpoint();

    /// True when SQLite could open the file for reading only (its mode, its directory, an
    /// immutable flag): reads work and every write would fail.
    [[nodiscard]] bool read_only();

    /// SQLite's integrity check of the whole file: empty when it is sound, else its first
    /// complaint. Reads every page: for a restore, not for a request.
    [[nodiscard]] std::string integrity_problem();

    /// The database's random identity, made once and carried by its backups: `backup_to`
    /// replaces only a file with the same one. Restore gives the restored copy the identity
    /// of the database it replaces, so the backups written over since keep being replaced.
    [[nodiscard]] std::string identity();
    void take_identity(const std::string& identity);

    /// The schema version the file had when this store opened it, before migrating it (0: the
    /// file was new).
    [[nodiscard]] int schema_version_found() const;
    /// The schema version this build creates and understands.
    [[nodiscard]] static int schema_version();
    /// Whether `path` is a file whose SQLite header carries Jambo's application_id, as every
    /// database and backup Jambo writes does (an empty file does not).
    [[nodiscard]] static bool is_jambo_file(const std::string& path);
    /// The schema version of the jambo database at `path`, read without changing it; nullopt
    /// when there is none (no file, not a jambo file, not readable). Opens and closes a
    /// connection: call it before open_in_another_process, not after.
    [[nodiscard]] static std::optional<int> schema_version_of(const std::string& path);
    /// The files SQLite keeps for the database at `path`: the file itself, then its -wal,
    /// -shm and -journal, for whoever moves or removes a database whole.
    [[nodiscard]] static std::vector<std::string> files_of(const std::string& path);
    /// Whether another process has the database at `path` open. Only meaningful while this
    /// process has no connection to it: the check takes and drops a lock on the -shm file
    /// (every WAL connection holds one byte of it shared while open), and closing that file
    /// drops every lock this process holds on it.
    [[nodiscard]] static bool open_in_another_process(const std::string& path);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace jambo::sqlite
