#pragma once

#include <jambo/core/ports/store.hpp>

namespace jambo::sqlite::detail {

class TxContext;

class SqliteDeletionTokenRepository final : public core::DeletionTokenRepository {
public:
    explicit SqliteDeletionTokenRepository(TxContext& context) : context_(context) {}

    void insert(const core::DeletionTokenRecord& record) override;
    [[nodiscard]] std::optional<core::DeletionTokenRecord> find(const core::TokenHash& hash) override;
    bool consume(const core::TokenHash& hash) override;
    [[nodiscard]] std::vector<core::TimePoint> issued_since(const core::Ulid& customer,
                                                            core::TimePoint since) override;
    std::uint64_t purge_expired(core::TimePoint cutoff) override;

private:
    TxContext& context_;
};

}  // namespace jambo::sqlite::detail
