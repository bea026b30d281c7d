#include <jambo/core/services/admin_service.hpp>

#include <jambo/core/customer.hpp>
#include <jambo/core/services/unit_of_work.hpp>

#include "text.hpp"

#include <set>

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

namespace {

bool principal_exists(Transaction& tx, const Principal& principal) {
    return principal.role == Role::customer ? tx.customers().find(principal.subject).has_value()
                                            : tx.credentials().staff_by_id(principal.subject).has_value();
}

}  // namespace

CarriedOver AdminService::restore_carry_over(Store& replaced) {
    std::vector<std::string> erased;
    std::vector<Credential> revoked;
    {
        auto tx = replaced.begin(TransactionMode::read);
        erased = tx->audit().subjects_of("customer.erased");
        for (const auto& hash : tx->credentials().revoked()) {
            if (auto credential = tx->credentials().find(hash)) revoked.push_back(std::move(*credential));
        }
    }
    CarriedOver done;
    auto tx = store_.begin(TransactionMode::write);
    const auto known = tx->audit().subjects_of("customer.erased");
    const std::set<std::string> recorded(known.begin(), known.end());
    for (const auto& subject : erased) {
        const auto ulid = Ulid::parse(subject);
        const bool removed = ulid && tx->customers().remove(*ulid);
        // Recorded even for a customer the backup does not hold: a later restore of a newer
        // backup, which does, reads it from here.
        if (removed || !recorded.contains(subject)) {
            tx->audit().append(AuditEntry{0, clock_.now(), "customer.erased", subject, "restore"});
        }
        if (removed) ++done.erased;
    }
    for (const auto& credential : revoked) {
        const auto here = tx->credentials().find(credential.hash);
        if (here) {
            if (!tx->credentials().revoke(credential.hash)) continue;  // revoked in the backup already
        } else if (principal_exists(*tx, credential.principal)) {
            // Issued after the backup: kept as revoked, for a later restore of a newer backup.
            tx->credentials().insert(credential);
        } else {
            continue;  // nor its account: nothing here it could open
        }
        tx->audit().append(AuditEntry{0, clock_.now(), "token.revoked", credential.principal.subject.to_string(),
                                      "restore"});
        ++done.revoked;
    }
    tx->commit();
    return done;
}

}  // namespace jambo::core
