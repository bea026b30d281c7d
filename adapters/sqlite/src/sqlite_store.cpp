#include <jambo/sqlite/sqlite_store.hpp>

#include "checkpointer.hpp"
#include "connection_pool.hpp"
#include "errors.hpp"
#include "schema.hpp"
#include "transaction.hpp"
#include "writer.hpp"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>

namespace jambo::sqlite {

using detail::Checkpointer;
using detail::Connection;
using detail::ConnectionPool;
using detail::Writer;

// Connections are opened with SQLITE_OPEN_NOMUTEX (multi-thread mode per connection). We do
// not call sqlite3_config(SQLITE_CONFIG_MULTITHREAD): it is process-wide, so it would also
// drop the mutexes of connections an embedder opens and shares between threads, and NOMUTEX
// already removes them from ours.
struct SqliteStore::Impl {
    int found_version = 0;  // the file's schema version before this store migrated it
    explicit Impl(SqliteOptions opts)
        : options(std::move(opts)),
          checkpointer(std::make_shared<Checkpointer>(options)),
          // The pool's callback holds the checkpointer, so every connection's WAL hook points
          // at a live one for as long as the connection exists.
          pool(std::make_shared<ConnectionPool>(options, [c = checkpointer](Connection& connection) {
              detail::refuse_foreign_or_newer(connection);
              c->watch(connection);
          })),
          // Started with the store, so its thread gets the scheduling priority of the thread
          // that made the store (a thread inherits its creator's). Started by the first write
          // instead, it took the priority of whichever thread wrote first: in the server, a
          // blocking-pool thread whose priority is lowered on purpose. An idle writer is one
          // sleeping thread, for the command line's short-lived stores too.
          writer(std::make_unique<Writer>(pool, checkpointer)) {}

    ~Impl() {
        writer.reset();
        checkpointer->stop();
        pool->close();
    }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    template <typename Work>
    decltype(auto) translating(Work&& work) {
        return detail::translating(options.path, std::forward<Work>(work));
    }

    SqliteOptions options;
    std::shared_ptr<Checkpointer> checkpointer;
    std::shared_ptr<ConnectionPool> pool;
    std::unique_ptr<Writer> writer;
    // steady_clock ticks of the last check that found the database answering.
    std::atomic<std::chrono::steady_clock::rep> last_healthy{std::numeric_limits<std::chrono::steady_clock::rep>::min() / 2};
};

namespace {

constexpr std::string_view checkpoint_sql = "PRAGMA wal_checkpoint(TRUNCATE)";
constexpr std::chrono::steady_clock::duration healthy_for = std::chrono::milliseconds(100);

// One step of -1 copies every page under one read snapshot; BUSY/LOCKED mean the source could
// not be read yet, so retry until the busy timeout is spent.
void copy_pages(SQLite::Database& target, SQLite::Database& source, std::chrono::milliseconds patience) {
    SQLite::Backup backup(target, source);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
        const int result = backup.executeStep(-1);
        if (result == SQLITE_DONE) return;
        if (std::chrono::steady_clock::now() > deadline) {
            throw core::StoreUnavailable("backup of " + source.getFilename() +
                                         ": the database stayed locked past the busy timeout");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

constexpr std::array<const char*, 3> sidecars{"-wal", "-shm", "-journal"};

void remove_sidecars(const std::string& database) {
    for (const char* suffix : sidecars) std::filesystem::remove(database + suffix);
}

// A failed backup's leftovers: they hold customer data.
void remove_quietly(const std::string& database) noexcept {
    std::error_code ignored;
    std::filesystem::remove(database, ignored);
    for (const char* suffix : sidecars) std::filesystem::remove(database + suffix, ignored);
}

// Customer records are for their owner's eyes: a database or a backup this store creates is
// mode 0600 (SQLite would create it 0644 under the usual umask), and SQLite gives the -wal and
// -shm files the database file's mode. Returns false if the file was there already; errors
// other than that are left to whoever opens the file next, which names them.
bool create_owner_only(const std::string& path) {
    if (path.empty() || path == ":memory:") return false;  // SQLite's names for no file
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

enum class FileKind { not_sqlite, other_application, jambo };

// From the first 100 bytes, the SQLite header: its magic string, and the application_id
// (big-endian at offset 68) that every jambo database and backup carries.
FileKind file_kind(const std::string& path) {
    unsigned char header[100] = {};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (in.gcount() != sizeof header ||
        std::string_view(reinterpret_cast<const char*>(header), 16) != std::string_view("SQLite format 3\0", 16)) {
        return FileKind::not_sqlite;
    }
    const auto id = std::uint32_t{header[68]} << 24 | std::uint32_t{header[69]} << 16 |
                    std::uint32_t{header[70]} << 8 | std::uint32_t{header[71]};
    return id == detail::application_id ? FileKind::jambo : FileKind::other_application;
}

// The random identity a database carries from schema version 7 on, and its backups with it;
// none in one written before.
std::optional<std::string> identity_in(SQLite::Database& database) {
    try {
        SQLite::Statement query(database, "SELECT id FROM database_identity");
        if (query.executeStep()) return query.getColumn(0).getString();
    } catch (const SQLite::Exception&) {  // no such table
    }
    return std::nullopt;
}

// Read as the file is, with nothing beside it (checked before): immutable, so SQLite takes no
// lock and leaves no -shm behind.
std::optional<std::string> identity_of_file(const std::string& path) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') {
            constexpr std::string_view hex = "0123456789abcdef";
            uri += '%';
            uri += hex[static_cast<unsigned char>(c) >> 4];
            uri += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
            uri += c;
        }
    }
    try {
        SQLite::Database database(uri + "?immutable=1", SQLite::OPEN_READONLY | SQLite::OPEN_URI);
        return identity_in(database);
    } catch (const SQLite::Exception&) {
        return std::nullopt;
    }
}

// A backup's destination must be a file name in an existing directory; said here, before the
// copy, rather than as a failure to open the source.
void check_backup_destination(const std::string& destination, const std::string& live, const std::string& identity) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (fs::is_directory(destination, error)) {
        throw std::invalid_argument("backup destination " + destination + " is a directory; name a file in it");
    }
    if (fs::exists(destination, error) && fs::equivalent(destination, live, error)) {
        throw std::invalid_argument("backup destination " + destination + " is the live database");
    }
    // Replacing an older backup is the point; replacing anything else is a typo's damage: another
    // application's file, or a database in use, whose -wal the copy would delete with its writes.
    if (fs::is_regular_file(destination, error) && fs::file_size(destination, error) > 0) {
        const auto kind = file_kind(destination);
        if (kind == FileKind::not_sqlite) {
            throw std::invalid_argument("backup destination " + destination +
                                        " exists and is not an SQLite database; remove it or name another file");
        }
        // First: a database in use may not have its header written yet (it is in the -wal).
        for (const char* suffix : sidecars) {
            if (fs::exists(destination + suffix, error)) {
                throw std::invalid_argument("backup destination " + destination + " is a database in use (it has a " +
                                            std::string(suffix + 1) + " file beside it), not a backup; name another file");
            }
        }
        if (kind != FileKind::jambo) {
            throw std::invalid_argument("backup destination " + destination +
                                        " is another application's SQLite database; remove it or name another file");
        }
        // A stopped server's database has nothing beside it either: only its identity tells
        // it from an older backup of this one. (One written before version 7 has none.)
        const auto theirs = identity_of_file(destination);
        if (theirs && *theirs != identity) {
            throw std::invalid_argument("backup destination " + destination + " is another jambo database, not a " +
                                        "backup of " + live + "; remove it or name another file");
        }
    }
    const fs::path parent = fs::path(destination).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, error)) {
        throw std::invalid_argument("backup destination " + destination + ": directory " + parent.string() +
                                    " does not exist");
    }
}

}  // namespace

SqliteStore::SqliteStore(SqliteOptions options)
    : impl_([&options] {
          create_owner_only(options.path);  // before SQLite first opens it, with 0644
          return std::make_unique<Impl>(std::move(options));
      }()) {
    impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        impl_->found_version = detail::migrate(lease.connection());
    });
}

int SqliteStore::schema_version_found() const { return impl_->found_version; }

SqliteStore::~SqliteStore() = default;

std::unique_ptr<core::Transaction> SqliteStore::begin(core::TransactionMode mode) {
    return impl_->translating([&]() -> std::unique_ptr<core::Transaction> {
        auto lease = impl_->pool->acquire();
        // Direct writers (the command line, the seeder) keep the WAL bounded, and clear it of
        // erased rows, like the writer.
        if (mode == core::TransactionMode::write) impl_->checkpointer->before_write(lease.connection());
        return std::make_unique<detail::SqliteTransaction>(std::move(lease), mode);
    });
}

void SqliteStore::run_write(const std::function<bool(core::Transaction&)>& work) { impl_->writer->run(work); }

void SqliteStore::submit_write(std::function<bool(core::Transaction&)> work,
                               std::function<void(std::exception_ptr)> done) {
    impl_->writer->submit(std::move(work), std::move(done));
}

bool SqliteStore::healthy() {
    // A status probe can arrive tens of thousands of times a second; one real read per
    // interval answers all of them. Failures are not remembered, so recovery shows at once.
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    if (now - impl_->last_healthy.load(std::memory_order_relaxed) < healthy_for.count()) return true;
    try {
        auto tx = begin(core::TransactionMode::read);
        (void)tx->customers().count();
        impl_->last_healthy.store(now, std::memory_order_relaxed);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

void SqliteStore::backup_to(const std::string& destination) {
    namespace fs = std::filesystem;
    check_backup_destination(destination, impl_->options.path, identity());
    // Written beside the destination and renamed over it, so a failed backup never leaves a
    // half-written file under the destination's name, nor a copy of the data anywhere.
    const std::string partial = destination + ".partial";
    fs::remove(partial);
    remove_sidecars(partial);
    try {
        if (!create_owner_only(partial)) {
            throw std::invalid_argument("backup destination " + destination + ": cannot create " + partial + ": " +
                                        std::strerror(errno));
        }
        impl_->translating([&] {
            const auto source = impl_->pool->open();
            // The source is only read: a full disk or a failed write is the destination's.
            detail::translating(destination, [&] {
                SQLite::Database target(partial, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
                copy_pages(target, source->database(), impl_->options.busy_timeout);
            });
        });
        // None was there when the destination was checked; one left since (a -wal) would be
        // replayed into the copy.
        remove_sidecars(destination);
        fs::rename(partial, destination);
    } catch (...) {
        remove_quietly(partial);
        throw;
    }
}

void SqliteStore::checkpoint() {
    const auto exclusive = impl_->checkpointer->exclusive();
    impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        detail::Query query(lease.connection(), checkpoint_sql);
        if (query.step() && query.integer(0) != 0) {
            throw CheckpointIncomplete("database " + impl_->options.path +
                                       ": checkpoint could not finish while other transactions were open");
        }
    });
}

bool SqliteStore::read_only() {
    return impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        return sqlite3_db_readonly(lease.connection().database().getHandle(), "main") == 1;
    });
}

int SqliteStore::schema_version() { return detail::latest_schema_version(); }

bool SqliteStore::is_jambo_file(const std::string& path) { return file_kind(path) == FileKind::jambo; }

std::optional<int> SqliteStore::schema_version_of(const std::string& path) {
    if (!is_jambo_file(path)) return std::nullopt;
    try {
        // Through SQLite, not the header's bytes: a migration may still be in the WAL. Maybe
        // SQLite's first use in this process: its settings must come first.
        detail::configure_sqlite_once();
        SQLite::Database database(path, SQLite::OPEN_READONLY);
        return database.execAndGet("PRAGMA user_version").getInt();
    } catch (const SQLite::Exception&) {
        return std::nullopt;  // opening it as a store says what is wrong
    }
}

std::vector<std::string> SqliteStore::files_of(const std::string& path) {
    std::vector<std::string> files{path};
    for (const char* suffix : sidecars) files.push_back(path + suffix);
    return files;
}

bool SqliteStore::open_in_another_process(const std::string& path) {
    const std::string shm = path + "-shm";
    const int fd = ::open(shm.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return false;  // no -shm file: no connection has the database open
    // SQLite's "DMS" byte of the unix VFS (offset 128): held shared by every open connection.
    struct flock dms {};
    dms.l_type = F_WRLCK;
    dms.l_whence = SEEK_SET;
    dms.l_start = 128;
    dms.l_len = 1;
    const bool in_use = ::fcntl(fd, F_SETLK, &dms) != 0;
    ::close(fd);
    return in_use;
}

std::string SqliteStore::identity() {
    return impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        return identity_in(lease.connection().database()).value_or(std::string());
    });
}

void SqliteStore::take_identity(const std::string& identity) {
    impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        detail::Query query(lease.connection(), "UPDATE database_identity SET id = ?1");
        query.bind_text(1, identity);
        query.run();
    });
}

std::string SqliteStore::integrity_problem() {
    return impl_->translating([&]() -> std::string {
        auto lease = impl_->pool->acquire();
        detail::Query query(lease.connection(), "PRAGMA integrity_check(1)");
        const std::string verdict = query.step() ? query.text(0) : "no answer";
        return verdict == "ok" ? std::string() : verdict;
    });
}

}  // namespace jambo::sqlite
