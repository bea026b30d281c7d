#pragma once

#include <jambo/core/ports/store.hpp>

namespace jambo::sqlite::detail {

class TxContext;

/// Queued mail. A message of a customer references it, so erasing the customer drops its
/// mail; removed messages are overwritten on disk (secure_delete).
class SqliteOutbox final : public core::Outbox {
public:
    explicit SqliteOutbox(TxContext& context) : context_(context) {}

    std::int64_t enqueue(const core::OutboxMessage& message) override;
    [[nodiscard]] std::vector<core::OutboxMessage> due(core::TimePoint now, std::uint32_t limit) override;
    bool reschedule(std::int64_t id, core::TimePoint next_attempt_at, std::uint32_t attempts,
                    const std::string& last_error) override;
    bool remove(std::int64_t id) override;
    [[nodiscard]] std::vector<core::OutboxMessage> queued_for(const core::Ulid& customer) override;
    [[nodiscard]] std::uint64_t depth() override;
    [[nodiscard]] std::optional<core::TimePoint> oldest() override;
    [[nodiscard]] std::optional<core::TimePoint> next_due() override;

private:
    TxContext& context_;
};

}  // namespace jambo::sqlite::detail
