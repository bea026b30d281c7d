#pragma once
// A Store transaction on one leased connection, and the context its repositories share.

#include "audit_log.hpp"
#include "connection_pool.hpp"
#include "credential_repository.hpp"
#include "customer_repository.hpp"
#include "deletion_token_repository.hpp"
#include "errors.hpp"
#include "outbox.hpp"
#include "tx_context.hpp"

#include <jambo/core/ports/store.hpp>

#include <optional>

namespace jambo::sqlite::detail {

/// BEGIN IMMEDIATE for writes, so a writer takes the write lock up front (waiting up to the
/// busy timeout) instead of failing with SQLITE_BUSY when it first writes; plain (deferred)
/// BEGIN for reads, whose snapshot starts at their first read and lasts until they end.
class SqliteTransaction final : public core::Transaction {
public:
    struct SavepointTag {};

    SqliteTransaction(ConnectionLease lease, core::TransactionMode mode);
    /// One item of the writer's batch on its connection, inside the batch's transaction.
    SqliteTransaction(Connection& connection, SavepointTag);
    ~SqliteTransaction() override;

    [[nodiscard]] core::CustomerRepository& customers() override { return customers_; }
    [[nodiscard]] core::CredentialRepository& credentials() override { return credentials_; }
    [[nodiscard]] core::DeletionTokenRepository& deletion_tokens() override { return deletion_tokens_; }
    [[nodiscard]] core::Outbox& outbox() override { return outbox_; }
    [[nodiscard]] core::AuditLog& audit() override { return audit_; }

    void commit() override;
    /// Keeps a savepoint's changes in the batch; rolls back to it on failure.
    void release() { context_.release(); }

private:
    std::optional<ConnectionLease> lease_;
    TxContext context_;
    SqliteCustomerRepository customers_{context_};
    SqliteCredentialRepository credentials_{context_};
    SqliteDeletionTokenRepository deletion_tokens_{context_};
    SqliteOutbox outbox_{context_};
    SqliteAuditLog audit_{context_};
};

}  // namespace jambo::sqlite::detail
