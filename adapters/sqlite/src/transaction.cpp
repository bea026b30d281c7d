#include "transaction.hpp"

#include <algorithm>

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view begin_write_sql = "BEGIN IMMEDIATE";
constexpr std::string_view begin_read_sql = "BEGIN";
constexpr std::string_view commit_sql = "COMMIT";
constexpr std::string_view rollback_sql = "ROLLBACK";
constexpr std::string_view savepoint_sql = "SAVEPOINT item";
constexpr std::string_view release_sql = "RELEASE item";
constexpr std::string_view rollback_to_sql = "ROLLBACK TO item";

}  // namespace

void TxContext::begin() {
    const auto sql = scope_ == Scope::savepoint            ? savepoint_sql
                     : mode_ == core::TransactionMode::write ? begin_write_sql
                                                             : begin_read_sql;
    try {
        Query(connection_, sql).run();
    } catch (const SQLite::Exception& error) {
        state_ = State::failed;
        rethrow_translated(error, connection_.path());
    }
    // An item of the writer's batch joins the batch's uncounted inserts; a rollback to its
    // savepoint takes its own back out.
    if (scope_ == Scope::savepoint) {
        uncounted_before_ = connection_.uncounted().size();
    } else {
        connection_.uncounted().clear();
    }
}

void TxContext::commit() {
    // The writer commits the batch; an item that committed itself could not be undone when
    // its work then reports failure.
    if (scope_ == Scope::savepoint) throw std::logic_error("run_write commits; its work must not call commit()");
    require_open();
    try {
        count_inserted(connection_);
        Query(connection_, commit_sql).run();
        state_ = State::committed;
    } catch (const SQLite::Exception& error) {
        fail();
        rethrow_translated(error, connection_.path());
    } catch (...) {  // runs that disagree with the table: nothing of the transaction is kept
        fail();
        throw;
    }
}

void TxContext::release() {
    require_open();
    try {
        Query(connection_, release_sql).run();
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
    auto& uncounted = connection_.uncounted();
    uncounted.resize(scope_ == Scope::savepoint ? std::min(uncounted.size(), uncounted_before_) : 0);
    try {
        // If SQLite already rolled the whole transaction back (disk full, I/O error), there is
        // no savepoint left; the writer notices and fails the batch's other items.
        if (!connection_.in_transaction()) return;
        if (scope_ == Scope::savepoint) {
            Query(connection_, rollback_to_sql).run();
            Query(connection_, release_sql).run();
        } else {
            Query(connection_, rollback_sql).run();
        }
    } catch (...) {  // nothing better to do: closing the connection would also roll back
    }
}

SqliteTransaction::SqliteTransaction(ConnectionLease lease, core::TransactionMode mode)
    : lease_(std::move(lease)), context_(lease_->connection(), mode) {
    context_.begin();
}

SqliteTransaction::SqliteTransaction(Connection& connection, SavepointTag)
    : context_(connection, core::TransactionMode::write, Scope::savepoint) {
    context_.begin();
}

SqliteTransaction::~SqliteTransaction() { context_.end(); }

void SqliteTransaction::commit() { context_.commit(); }

}  // namespace jambo::sqlite::detail
