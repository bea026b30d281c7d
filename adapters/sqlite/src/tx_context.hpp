#pragma once
// What the repositories of one transaction share: the connection, the mode, and whether the
// transaction can still be used.

#include "connection.hpp"
#include "errors.hpp"

#include <jambo/core/ports/store.hpp>

#include <SQLiteCpp/Exception.h>

#include <cstddef>
#include <stdexcept>
#include <utility>

namespace jambo::sqlite::detail {

/// A whole transaction, or one item of the writer's batch: a savepoint inside the batch's
/// transaction, released or rolled back to on its own.
enum class Scope { transaction, savepoint };

class TxContext {
public:
    TxContext(Connection& connection, core::TransactionMode mode, Scope scope = Scope::transaction)
        : connection_(connection), mode_(mode), scope_(scope) {}
    TxContext(const TxContext&) = delete;
    TxContext& operator=(const TxContext&) = delete;

    /// Runs one repository operation. Any failure rolls the whole transaction back and leaves
    /// it unusable: after SQLITE_FULL or an I/O error SQLite may already have rolled back, and
    /// carrying on would run the rest of the "transaction" in autocommit mode.
    template <typename Operation>
    decltype(auto) run(Operation&& operation) {
        require_open();
        try {
            return std::forward<Operation>(operation)(connection_);
        } catch (const SQLite::Exception& error) {
            fail();
            rethrow_translated(error, connection_.path());
        } catch (...) {
            fail();
            throw;
        }
    }

    /// As run(), and refused in a read transaction: a deferred transaction that starts
    /// writing late can fail with SQLITE_BUSY_SNAPSHOT instead of waiting its turn.
    template <typename Operation>
    decltype(auto) run_write(Operation&& operation) {
        if (mode_ == core::TransactionMode::read) {
            fail();
            throw std::logic_error("a write in a read transaction");
        }
        return run(std::forward<Operation>(operation));
    }

    void begin();
    void commit();
    /// A savepoint's commit: its changes join the enclosing transaction.
    void release();
    /// Rolls back if still open; never throws (used by destructors).
    void end() noexcept;

private:
    enum class State { open, committed, failed };

    void require_open() const;
    void fail() noexcept;

    Connection& connection_;
    core::TransactionMode mode_;
    Scope scope_;
    State state_ = State::open;
    std::size_t uncounted_before_ = 0;  // Connection::uncounted's size when the savepoint began
};

}  // namespace jambo::sqlite::detail
