#include "credential_repository.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "tx_context.hpp"

#include <string_view>

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view insert_sql =
    "INSERT INTO credentials (hash, customer, staff, created_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view find_sql =
    "SELECT customer, staff, created_at, revoked FROM credentials WHERE hash = ?1";
constexpr std::string_view revoke_sql = "UPDATE credentials SET revoked = 1 WHERE hash = ?1 AND revoked = 0";
constexpr std::string_view revoked_sql = "SELECT hash FROM credentials WHERE revoked = 1";
// Each through its account's index.
constexpr std::string_view revoke_customer_sql =
    "UPDATE credentials SET revoked = 1 WHERE customer = ?1 AND revoked = 0 RETURNING hash";
constexpr std::string_view revoke_staff_sql =
    "UPDATE credentials SET revoked = 1 WHERE staff = ?1 AND revoked = 0 RETURNING hash";
constexpr std::string_view add_staff_sql =
    "INSERT INTO staff_accounts (id, email, name, created_at) VALUES (?1, ?2, ?3, ?4)";
// email is COLLATE NOCASE, so these compare as the ASCII-lower-cased key does.
constexpr std::string_view staff_by_email_sql =
    "SELECT id, email, name, created_at FROM staff_accounts WHERE email = ?1";
constexpr std::string_view staff_by_id_sql =
    "SELECT id, email, name, created_at FROM staff_accounts WHERE id = ?1";
constexpr std::string_view all_staff_sql =
    "SELECT id, email, name, created_at FROM staff_accounts ORDER BY id";

core::StaffAccount read_staff(const Query& query) {
    return core::StaffAccount{ulid_from(query.text_view(0)), query.text(1), query.text(2),
                              from_millis(query.integer(3))};
}

core::Credential read_credential(const Query& query, const core::TokenHash& hash) {
    const bool staff = query.is_null(0);
    const core::Principal principal{staff ? core::Role::staff : core::Role::customer,
                                    ulid_from(query.text_view(staff ? 1 : 0))};
    return core::Credential{hash, principal, from_millis(query.integer(2)), query.integer(3) != 0};
}

std::optional<core::StaffAccount> one_staff(Connection& connection, std::string_view sql,
                                            const std::string& key) {
    Query query(connection, sql);
    query.bind_text(1, key);
    if (!query.step()) return std::nullopt;
    return read_staff(query);
}

}  // namespace

void SqliteCredentialRepository::insert(const core::Credential& credential) {
    context_.run_write([&](Connection& connection) {
        Query query(connection, insert_sql);
        const auto& subject = credential.principal.subject;
        const bool staff = credential.principal.role == core::Role::staff;
        query.bind_blob(1, credential.hash);
        if (staff) {
            query.bind_null(2).bind_ulid(3, subject);
        } else {
            query.bind_ulid(2, subject).bind_null(3);
        }
        query.bind_int(4, to_millis(credential.created_at)).bind_int(5, credential.revoked ? 1 : 0);
        query.run();
    });
}

std::optional<core::Credential> SqliteCredentialRepository::find(const core::TokenHash& hash) {
    return context_.run([&](Connection& connection) -> std::optional<core::Credential> {
        Query query(connection, find_sql);
        query.bind_blob(1, hash);
        if (!query.step()) return std::nullopt;
        return read_credential(query, hash);
    });
}

bool SqliteCredentialRepository::revoke(const core::TokenHash& hash) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, revoke_sql);
        query.bind_blob(1, hash);
        return query.run() > 0;
    });
}

std::vector<core::TokenHash> SqliteCredentialRepository::revoked() {
    return context_.run([&](Connection& connection) {
        Query query(connection, revoked_sql);
        std::vector<core::TokenHash> hashes;
        while (query.step()) hashes.push_back(hash_from(query.blob(0)));
        return hashes;
    });
}

std::vector<core::TokenHash> SqliteCredentialRepository::revoke_all(const core::Principal& principal) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, principal.role == core::Role::staff ? revoke_staff_sql : revoke_customer_sql);
        query.bind_ulid(1, principal.subject);
        std::vector<core::TokenHash> hashes;
        while (query.step()) hashes.push_back(hash_from(query.blob(0)));
        return hashes;
    });
}

void SqliteCredentialRepository::add_staff(const core::StaffAccount& staff) {
    context_.run_write([&](Connection& connection) {
        Query query(connection, add_staff_sql);
        query.bind_ulid(1, staff.id)
            .bind_text(2, staff.email)
            .bind_text(3, staff.name)
            .bind_int(4, to_millis(staff.created_at));
        query.run();
    });
}

std::optional<core::StaffAccount> SqliteCredentialRepository::staff_by_email(const std::string& email_key) {
    return context_.run(
        [&](Connection& connection) { return one_staff(connection, staff_by_email_sql, email_key); });
}

std::optional<core::StaffAccount> SqliteCredentialRepository::staff_by_id(const core::Ulid& id) {
    return context_.run(
        [&](Connection& connection) { return one_staff(connection, staff_by_id_sql, id.to_string()); });
}

std::vector<core::StaffAccount> SqliteCredentialRepository::all_staff() {
    return context_.run([](Connection& connection) {
        Query query(connection, all_staff_sql);
        std::vector<core::StaffAccount> staff;
        while (query.step()) staff.push_back(read_staff(query));
        return staff;
    });
}

}  // namespace jambo::sqlite::detail
