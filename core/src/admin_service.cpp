#include <jambo/core/services/admin_service.hpp>

#include <jambo/core/customer.hpp>
#include <jambo/core/services/unit_of_work.hpp>

#include "text.hpp"

namespace jambo::core {

AdminService::AdminService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher,
                           UlidGenerator& ulids)
    : store_(store), clock_(clock), random_(random), hasher_(hasher), ulids_(ulids) {}

std::string AdminService::issue(Transaction& tx, const Principal& principal) {
    Secret token = make_bearer_token(random_);
    tx.credentials().insert(Credential{hasher_.hash(token.text), principal, clock_.now(), false});
    const std::string subject = principal.subject.to_string();
    tx.audit().append(AuditEntry{0, clock_.now(), "token.issued", subject,
                                 principal.role == Role::staff ? "staff" : "customer"});
    return std::move(token.text);
}

Result<std::string> AdminService::add_staff(std::string_view email, std::string_view name) {
    auto address = rules::email(email);
    if (!address) return std::unexpected(Error::validation({{"email", std::move(address.error())}}));
    auto display = rules::name(name, true);
    if (!display) return std::unexpected(Error::validation({{"name", std::move(display.error())}}));

    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::string> {
        if (tx.credentials().staff_by_email(text::ascii_lower(*address))) {
            return std::unexpected(Error::validation({{"email", {"staff account with this Email already exists."}}}));
        }
        const StaffAccount staff{ulids_.next(), *address, *display, clock_.now()};
        tx.credentials().add_staff(staff);
        return issue(tx, Principal{Role::staff, staff.id});
    });
}

std::vector<StaffAccount> AdminService::list_staff() {
    auto staff = in_transaction(store_, TransactionMode::read,
                                [](Transaction& tx) -> Result<std::vector<StaffAccount>> {
                                    return tx.credentials().all_staff();
                                });
    return staff ? std::move(*staff) : std::vector<StaffAccount>{};
}

Result<std::string> AdminService::issue_customer_token(std::string_view ulid_text) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::string> {
        const auto ulid = Ulid::parse(ulid_text);
        if (!ulid || !tx.customers().find(*ulid)) return std::unexpected(Error::not_found("No customer with that ulid."));
        return issue(tx, Principal{Role::customer, *ulid});
    });
}

Result<std::string> AdminService::issue_staff_token(std::string_view email) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::string> {
        const auto staff = tx.credentials().staff_by_email(text::ascii_lower(trim(email)));
        if (!staff) return std::unexpected(Error::not_found("No staff account with that email."));
        return issue(tx, Principal{Role::staff, staff->id});
    });
}

Result<void> AdminService::revoke_token(std::string_view token) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<void> {
        if (!is_well_formed_bearer_token(token)) return std::unexpected(Error::not_found("No such token."));
        const TokenHash hash = hasher_.hash(token);
        const auto credential = tx.credentials().find(hash);
        if (!credential || !tx.credentials().revoke(hash)) {
            return std::unexpected(Error::not_found("No such token, or it was already revoked."));
        }
        tx.audit().append(AuditEntry{0, clock_.now(), "token.revoked", credential->principal.subject.to_string(),
                                     credential->principal.role == Role::staff ? "staff" : "customer"});
        return {};
    });
}

CarriedOver AdminService::restore_carry_over(Store& replaced) {
    std::vector<std::string> erased;
    std::vector<TokenHash> revoked;
    {
        auto tx = replaced.begin(TransactionMode::read);
        erased = tx->audit().subjects_of("customer.erased");
        revoked = tx->credentials().revoked();
    }
    CarriedOver done;
    auto tx = store_.begin(TransactionMode::write);
    for (const auto& subject : erased) {
        const auto ulid = Ulid::parse(subject);
        if (!ulid || !tx->customers().remove(*ulid)) continue;  // not in the backup, or erased there too
        tx->audit().append(AuditEntry{0, clock_.now(), "customer.erased", subject, "restore"});
        ++done.erased;
    }
    for (const auto& hash : revoked) {
        const auto credential = tx->credentials().find(hash);
        if (!credential || !tx->credentials().revoke(hash)) continue;
        tx->audit().append(AuditEntry{0, clock_.now(), "token.revoked", credential->principal.subject.to_string(),
                                      "restore"});
        ++done.revoked;
    }
    tx->commit();
    return done;
}

}  // namespace jambo::core
