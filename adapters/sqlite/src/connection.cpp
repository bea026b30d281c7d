#include "connection.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>

namespace jambo::sqlite::detail {

namespace {

constexpr int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

int busy_timeout_ms(const SqliteOptions& options) {
    const auto ms = options.busy_timeout.count();
    return ms < 0 ? 0 : ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

}  // namespace

// SQLite counts every allocation in a process-wide statistic guarded by a global mutex:
// about a fifth of the lock operations a read request makes. Turning the statistic off
// only empties sqlite3_memory_used() and the soft heap limit, which Jambo does not use.
// Each item of a group commit runs in a savepoint, whose journal keeps the original of every
// page the item changes, in one block as large as the spill limit. Past the default 64 KiB
// SQLite moved it to a file it created in /var/tmp, and the rest of the batch journaled its
// pages there: more pwrite calls than the WAL got. 1 MiB (256 pages) is more than one item
// journals; it is one malloc per item, where an all-memory journal (temp_store = MEMORY)
// takes one per KiB. Both settings must come before SQLite initialises, so they are no-ops
// (SQLITE_MISUSE, ignored) when an embedder already used SQLite in this process.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 1 << 20);
    });
}

Connection::Connection(const SqliteOptions& options)
    : db_((configure_sqlite_once(), options.path), open_flags, busy_timeout_ms(options)) {
    apply_pragmas(options);
}

void Connection::apply_pragmas(const SqliteOptions& options) {
    // NORMAL in WAL mode loses no committed transaction when the process dies, only (maybe)
    // the last ones on power loss; FULL fsyncs the WAL on every commit.
    execute(options.durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                   : "PRAGMA synchronous = NORMAL");
    execute("PRAGMA foreign_keys = ON");
    // Erased customers must not linger in free space of the file...
    execute("PRAGMA secure_delete = ON");
    // A WAL that starts over keeps its file and overwrites it: cutting it to zero each time
    // (journal_size_limit = 0) doubled the p99 of inserts. Old page images of erased customers
    // in its tail are removed by the TRUNCATE checkpoints instead: checkpoint(), and the
    // background one after a second without writes (see checkpointer.hpp).
    execute(("PRAGMA journal_size_limit = " + std::to_string(std::uint64_t{options.wal_bound_pages} * 4096)).c_str());
    // Each connection has its own page cache; bounded so a server's memory does not grow
    // with the database (2 I/O threads, the writer and a few more each hold one).
    execute("PRAGMA cache_size = -4096");
    if (options.max_size_bytes > 0) {
        const auto page_size = db_.execAndGet("PRAGMA page_size").getInt64();
        const auto pages =
            std::max<std::uint64_t>(1, options.max_size_bytes / static_cast<std::uint64_t>(page_size));
        execute(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
    }
}

void Connection::Finalize::operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }

sqlite3_stmt* Connection::statement(std::string_view sql) {
    if (auto it = statements_.find(sql.data()); it != statements_.end()) return it->second.get();
    sqlite3_stmt* prepared = nullptr;
    const int result = sqlite3_prepare_v3(db_.getHandle(), sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &prepared, nullptr);
    std::unique_ptr<sqlite3_stmt, Finalize> owned(prepared);
    if (result != SQLITE_OK) throw SQLite::Exception(db_.getHandle(), result);
    return statements_.emplace(sql.data(), std::move(owned)).first->second.get();
}

void Connection::execute(const char* sql) { db_.exec(sql); }

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_.getHandle()) == 0; }

Query::~Query() {
    // Reports the last step's error again, already thrown by step() or run().
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

void Query::check(int result) const {
    if (result != SQLITE_OK) throw SQLite::Exception(connection_.database().getHandle(), result);
}

Query& Query::bind_int(int index, std::int64_t value) {
    check(sqlite3_bind_int64(statement_, index, value));
    return *this;
}

// SQLITE_STATIC: the destructor clears the bindings, so a value that outlives the Query is
// never read after it is gone, and the writer skips a malloc and a copy per bound field.
Query& Query::bind_text(int index, const std::string& value) {
    check(sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC));
    return *this;
}

Query& Query::bind_text(int index, std::string&& value) {
    check(sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
}

Query& Query::bind_ulid(int index, const core::Ulid& ulid) {
    if (ulid_text_bound_) return bind_text(index, ulid.to_string());
    ulid_text_ = ulid.text();
    ulid_text_bound_ = true;
    check(sqlite3_bind_text(statement_, index, ulid_text_.data(), static_cast<int>(ulid_text_.size()), SQLITE_STATIC));
    return *this;
}

Query& Query::bind_blob(int index, std::span<const std::uint8_t> value) {
    check(sqlite3_bind_blob(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC));
    return *this;
}

Query& Query::bind_null(int index) {
    check(sqlite3_bind_null(statement_, index));
    return *this;
}

bool Query::step() {
    const int result = sqlite3_step(statement_);
    if (result == SQLITE_ROW) return true;
    if (result == SQLITE_DONE) return false;
    throw SQLite::Exception(connection_.database().getHandle(), result);
}

int Query::run() {
    if (step()) throw SQLite::Exception("a statement run for its effect returned rows");
    return sqlite3_changes(connection_.database().getHandle());
}

bool Query::is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

std::int64_t Query::integer(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Query::text(int column) const { return std::string(text_view(column)); }

std::string_view Query::text_view(int column) const {
    const auto* text = sqlite3_column_text(statement_, column);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

std::span<const std::uint8_t> Query::blob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, column));
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

}  // namespace jambo::sqlite::detail
