#pragma once

#include <jambo/core/ports/store.hpp>

namespace jambo::sqlite::detail {

class Connection;
class TxContext;

/// Adds the customers inserted in the open transaction (Connection::uncounted) to the row
/// counter and the page runs. Called once before the transaction commits.
void count_inserted(Connection& connection);

class SqliteCustomerRepository final : public core::CustomerRepository {
public:
    explicit SqliteCustomerRepository(TxContext& context) : context_(context) {}

    [[nodiscard]] std::optional<core::Customer> find(const core::Ulid& ulid) override;
    [[nodiscard]] bool email_taken(const std::string& email_key,
                                   const std::optional<core::Ulid>& except) override;
    [[nodiscard]] bool phone_taken(const std::string& phone,
                                   const std::optional<core::Ulid>& except) override;
    [[nodiscard]] std::expected<void, core::UniqueField> insert(const core::Customer& customer) override;
    [[nodiscard]] std::expected<void, core::UniqueField> update(const core::Customer& customer) override;
    bool remove(const core::Ulid& ulid) override;
    [[nodiscard]] std::uint64_t count() override;
    [[nodiscard]] std::vector<core::Customer> page(std::uint64_t offset, std::uint32_t limit) override;
    [[nodiscard]] std::vector<core::Customer> after(const core::Ulid& after, std::uint32_t limit) override;

private:
    TxContext& context_;
};

}  // namespace jambo::sqlite::detail
