#pragma once
/// jambo::memory — a Store kept in process memory, with the same semantics as the SQLite
/// store: atomic transactions, unique email/phone, cascades. For unit tests, and for
/// embedders who want to test their code on the core without a database.

#include <jambo/core/ports/store.hpp>

#include <memory>

namespace jambo::memory {

class MemoryStore final : public core::Store {
public:
    MemoryStore();
    ~MemoryStore() override;

    /// Write transactions work on a private copy that replaces the shared state on commit,
    /// so a failed use case leaves nothing behind; one writer at a time, and readers wait
    /// for it (so a thread holding a write transaction must not begin another). Writes
    /// through a read transaction throw std::logic_error; rows for a missing customer or
    /// staff account throw std::runtime_error, as the database's foreign keys would.
    [[nodiscard]] std::unique_ptr<core::Transaction> begin(core::TransactionMode mode) override;
    [[nodiscard]] bool healthy() override { return true; }

private:
    struct Shared;
    class Tx;
    std::unique_ptr<Shared> shared_;
};

}  // namespace jambo::memory
