#pragma once

#include <jambo/core/ports/store.hpp>

namespace jambo::sqlite::detail {

class TxContext;

/// Append-only: nothing here references a customer, so erasures keep their audit trail.
class SqliteAuditLog final : public core::AuditLog {
public:
    explicit SqliteAuditLog(TxContext& context) : context_(context) {}

    std::int64_t append(const core::AuditEntry& entry) override;
    [[nodiscard]] std::vector<core::AuditEntry> latest(std::uint32_t limit) override;
    [[nodiscard]] std::vector<core::AuditEntry> entries_of(std::string_view event, core::TimePoint since) override;

private:
    TxContext& context_;
};

}  // namespace jambo::sqlite::detail
