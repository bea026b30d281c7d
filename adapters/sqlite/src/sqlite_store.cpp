#include <jambo/sqlite/sqlite_store.hpp>

#include "connection_pool.hpp"
#include "errors.hpp"
#include "schema.hpp"
#include "transaction.hpp"

#include <SQLiteCpp/Backup.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>

namespace jambo::sqlite {

using detail::Connection;
using detail::ConnectionPool;

// Connections are opened with SQLITE_OPEN_NOMUTEX (multi-thread mode per connection). We do
// not call sqlite3_config(SQLITE_CONFIG_MULTITHREAD): it is process-wide, so it would also
// drop the mutexes of connections an embedder opens and shares between threads, and NOMUTEX
// already removes them from ours.
struct SqliteStore::Impl {
    explicit Impl(SqliteOptions opts)
        : options(std::move(opts)), pool(std::make_shared<ConnectionPool>(options, [](Connection& c) {
              detail::refuse_foreign_or_newer(c);
          })) {}

    ~Impl() { pool->close(); }

    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    template <typename Work>
    decltype(auto) translating(Work&& work) {
        return detail::translating(options.path, std::forward<Work>(work));
    }

    SqliteOptions options;
    std::shared_ptr<ConnectionPool> pool;
};

namespace {

constexpr std::string_view checkpoint_sql = "PRAGMA wal_checkpoint(TRUNCATE)";

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

void remove_sidecars(const std::string& database) {
    for (const char* suffix : {"-wal", "-shm", "-journal"}) std::filesystem::remove(database + suffix);
}

}  // namespace

SqliteStore::SqliteStore(SqliteOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        detail::migrate(lease.connection());
    });
}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<core::Transaction> SqliteStore::begin(core::TransactionMode mode) {
    return impl_->translating([&]() -> std::unique_ptr<core::Transaction> {
        return std::make_unique<detail::SqliteTransaction>(impl_->pool->acquire(), mode);
    });
}

bool SqliteStore::healthy() {
    try {
        auto tx = begin(core::TransactionMode::read);
        (void)tx->customers().count();
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

void SqliteStore::backup_to(const std::string& destination) {
    namespace fs = std::filesystem;
    if (fs::exists(destination) && fs::equivalent(destination, impl_->options.path)) {
        throw std::invalid_argument("backup destination " + destination + " is the live database");
    }
    // Written beside the destination and renamed over it, so a failed backup never leaves a
    // half-written file under the destination's name.
    const std::string partial = destination + ".partial";
    fs::remove(partial);
    remove_sidecars(partial);
    impl_->translating([&] {
        const auto source = impl_->pool->open();
        SQLite::Database target(partial, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        copy_pages(target, source->database(), impl_->options.busy_timeout);
    });
    // A -wal left by an older file at the destination would otherwise be replayed into this one.
    remove_sidecars(destination);
    fs::rename(partial, destination);
}

void SqliteStore::checkpoint() {
    impl_->translating([&] {
        auto lease = impl_->pool->acquire();
        detail::Query query(lease.connection(), checkpoint_sql);
        if (query.step() && query.integer(0) != 0) {
            throw core::StoreUnavailable("database " + impl_->options.path +
                                         ": checkpoint could not finish while other transactions were open");
        }
    });
}

int SqliteStore::schema_version() { return detail::latest_schema_version(); }

}  // namespace jambo::sqlite
