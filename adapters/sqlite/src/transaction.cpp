#include "transaction.hpp"

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view begin_write_sql = "BEGIN IMMEDIATE";
constexpr std::string_view begin_read_sql = "BEGIN";
constexpr std::string_view commit_sql = "COMMIT";
constexpr std::string_view rollback_sql = "ROLLBACK";

}  // namespace

void TxContext::begin() {
    try {
        Query(connection_, mode_ == core::TransactionMode::write ? begin_write_sql : begin_read_sql).run();
    } catch (const SQLite::Exception& error) {
        state_ = State::failed;
        rethrow_translated(error, connection_.path());
    }
}

void TxContext::commit() {
    require_open();
    try {
        Query(connection_, commit_sql).run();
        state_ = State::committed;
    } catch (const SQLite::Exception& error) {
        fail();
        rethrow_translated(error, connection_.path());
    }
}

void TxContext::end() noexcept {
    if (state_ == State::open) fail();
}

void TxContext::require_open() const {
    if (state_ == State::committed) throw std::logic_error("the transaction was already committed");
    if (state_ == State::failed) throw std::logic_error("the transaction failed and was rolled back");
}

void TxContext::fail() noexcept {
    state_ = State::failed;
    try {
        if (connection_.in_transaction()) Query(connection_, rollback_sql).run();
    } catch (...) {  // nothing better to do: closing the connection would also roll back
    }
}

SqliteTransaction::SqliteTransaction(ConnectionLease lease, core::TransactionMode mode)
    : lease_(std::move(lease)), context_(lease_.connection(), mode) {
    context_.begin();
}

SqliteTransaction::~SqliteTransaction() { context_.end(); }

void SqliteTransaction::commit() { context_.commit(); }

}  // namespace jambo::sqlite::detail
