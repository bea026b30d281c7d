#pragma once

#include <jambo/core/ports/store.hpp>

namespace jambo::sqlite::detail {

class TxContext;

/// Bearer credentials and staff accounts. A credential row references its customer or its
/// staff account, so deleting either deletes its credentials.
class SqliteCredentialRepository final : public core::CredentialRepository {
public:
    explicit SqliteCredentialRepository(TxContext& context) : context_(context) {}

    void insert(const core::Credential& credential) override;
    [[nodiscard]] std::optional<core::Credential> find(const core::TokenHash& hash) override;
    bool revoke(const core::TokenHash& hash) override;
    [[nodiscard]] std::vector<core::TokenHash> revoked() override;
    std::vector<core::TokenHash> revoke_all(const core::Principal& principal) override;

    void add_staff(const core::StaffAccount& staff) override;
    [[nodiscard]] std::optional<core::StaffAccount> staff_by_email(const std::string& email_key) override;
    [[nodiscard]] std::optional<core::StaffAccount> staff_by_id(const core::Ulid& id) override;
    [[nodiscard]] std::vector<core::StaffAccount> all_staff() override;

private:
    TxContext& context_;
};

}  // namespace jambo::sqlite::detail
