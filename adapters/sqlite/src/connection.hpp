#pragma once
// One SQLite connection with Jambo's pragmas and its statement cache, and Query, one use of a
// cached statement.

#include <jambo/core/ulid.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <SQLiteCpp/Database.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3_stmt;

namespace jambo::sqlite::detail {

/// SQLite's process-wide settings (connection.cpp), which must come before anything in this
/// process uses SQLite: every connection of ours calls it, and so must any other first use.
void configure_sqlite_once();

/// A connection opened in multi-thread mode (SQLITE_OPEN_NOMUTEX): it is used by one thread
/// at a time, so SQLite's per-connection mutexes would only cost. Statements are prepared on
/// first use and kept until the connection closes.
class Connection {
public:
    explicit Connection(const SqliteOptions& options);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// The cached statement for `sql`. `sql` must have static storage duration (a literal):
    /// the cache keys on its address, not on its text. Throws SQLite::Exception.
    [[nodiscard]] sqlite3_stmt* statement(std::string_view sql);
    /// Runs one-off SQL without caching it: DDL, pragmas, migrations.
    void execute(const char* sql);
    [[nodiscard]] bool in_transaction() const;
    [[nodiscard]] std::int64_t last_insert_id() const { return db_.getLastInsertRowid(); }
    [[nodiscard]] const std::string& path() const { return db_.getFilename(); }
    [[nodiscard]] SQLite::Database& database() { return db_; }
    /// Customers inserted in the open transaction that the row counter and the page runs do
    /// not count yet: counted together when the transaction commits (count_inserted, in
    /// customer_repository.hpp). Emptied when a transaction begins or rolls back.
    [[nodiscard]] std::vector<core::Ulid>& uncounted() { return uncounted_; }
    /// Called when this connection erases a customer: the WAL still holds page images of the
    /// removed rows, so the checkpointer watching it (set_erasure_flag) truncates it soon.
    void erased() noexcept {
        if (erasure_flag_ != nullptr) erasure_flag_->store(true, std::memory_order_relaxed);
    }
    void set_erasure_flag(std::atomic<bool>* flag) noexcept { erasure_flag_ = flag; }

private:
    void apply_pragmas(const SqliteOptions& options);

    struct Finalize {
        void operator()(sqlite3_stmt* statement) const noexcept;
    };

    SQLite::Database db_;
    // Declared after db_ so every statement is finalised before the connection closes. Raw
    // statements rather than SQLite::Statement: its column accessors copy a shared_ptr (two
    // atomic operations) and a std::string per column, a tenth of a point read.
    std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, Finalize>> statements_;
    std::vector<core::Ulid> uncounted_;  // bytes, not text: no allocation per insert
    std::atomic<bool>* erasure_flag_ = nullptr;
};

/// One use of a cached statement. Resets it and clears its bindings on destruction, so no
/// read cursor or bound value outlives the call that used it. Failures are thrown as
/// SQLite::Exception, with SQLite's (extended) result code and message.
class Query {
public:
    Query(Connection& connection, std::string_view sql)
        : connection_(connection), statement_(connection.statement(sql)) {}
    Query(const Query&) = delete;
    Query& operator=(const Query&) = delete;
    ~Query();

    Query& bind_int(int index, std::int64_t value);
    /// Binds without a copy: `value` must outlive the Query's steps.
    Query& bind_text(int index, const std::string& value);
    /// A temporary is copied.
    Query& bind_text(int index, std::string&& value);
    /// Binds a ULID's text, kept in the Query: no allocation, by us or by SQLite.
    Query& bind_ulid(int index, const core::Ulid& ulid);
    /// Binds without a copy: `value` must outlive the Query's steps.
    Query& bind_blob(int index, std::span<const std::uint8_t> value);
    Query& bind_null(int index);

    /// Advances to the next row; false when there is none.
    [[nodiscard]] bool step();
    /// Runs a statement that returns no rows; the number of rows it changed.
    int run();

    [[nodiscard]] bool is_null(int column) const;
    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] std::string text(int column) const;
    /// Valid until the next step().
    [[nodiscard]] std::string_view text_view(int column) const;
    /// Valid until the next step().
    [[nodiscard]] std::span<const std::uint8_t> blob(int column) const;

private:
    void check(int result) const;

    Connection& connection_;
    sqlite3_stmt* statement_;
    // Every statement of ours binds one ULID at most; a second one is copied by SQLite.
    std::array<char, 26> ulid_text_;  // written by bind_ulid before SQLite reads it
    bool ulid_text_bound_ = false;
};

}  // namespace jambo::sqlite::detail
