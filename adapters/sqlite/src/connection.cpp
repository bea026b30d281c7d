#include "connection.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace jambo::sqlite::detail {

namespace {

constexpr int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

int busy_timeout_ms(const SqliteOptions& options) {
    const auto ms = options.busy_timeout.count();
    return ms < 0 ? 0 : ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

}  // namespace

Connection::Connection(const SqliteOptions& options)
    : db_(options.path, open_flags, busy_timeout_ms(options)) {
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
    // ...nor in the WAL: SQLite rewinds the WAL after a checkpoint but keeps its old tail
    // (with old page images) unless told to cut it back when it starts over.
    execute("PRAGMA journal_size_limit = 0");
    if (options.max_size_bytes > 0) {
        const auto page_size = db_.execAndGet("PRAGMA page_size").getInt64();
        const auto pages =
            std::max<std::uint64_t>(1, options.max_size_bytes / static_cast<std::uint64_t>(page_size));
        execute(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
    }
}

SQLite::Statement& Connection::statement(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    return statements_.try_emplace(sql, db_, std::string(sql)).first->second;
}

void Connection::execute(const char* sql) { db_.exec(sql); }

bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_.getHandle()) == 0; }

Query::~Query() {
    statement_.tryReset();
    try {
        statement_.clearBindings();
    } catch (...) {  // cannot fail on a valid statement, and a destructor must not throw
    }
}

Query& Query::bind_int(int index, std::int64_t value) {
    statement_.bind(index, value);
    return *this;
}

Query& Query::bind_text(int index, const std::string& value) {
    statement_.bind(index, value);
    return *this;
}

Query& Query::bind_blob(int index, std::span<const std::uint8_t> value) {
    statement_.bind(index, value.data(), static_cast<int>(value.size()));
    return *this;
}

Query& Query::bind_null(int index) {
    statement_.bind(index);
    return *this;
}

bool Query::step() { return statement_.executeStep(); }

int Query::run() { return statement_.exec(); }

bool Query::is_null(int column) const { return statement_.isColumnNull(column); }

std::int64_t Query::integer(int column) const { return statement_.getColumn(column).getInt64(); }

std::string Query::text(int column) const { return statement_.getColumn(column).getString(); }

std::span<const std::uint8_t> Query::blob(int column) const {
    const auto value = statement_.getColumn(column);
    return {static_cast<const std::uint8_t*>(value.getBlob()), static_cast<std::size_t>(value.getBytes())};
}

}  // namespace jambo::sqlite::detail
