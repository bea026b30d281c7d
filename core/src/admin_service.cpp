#include <jambo/core/services/admin_service.hpp>

#include <jambo/core/customer.hpp>
#include <jambo/core/mail_record.hpp>
#include <jambo/core/services/unit_of_work.hpp>

#include "accounts.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

namespace jambo::core {

AdminService::AdminService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher,
                           UlidGenerator& ulids)
    : store_(store), clock_(clock), random_(random), hasher_(hasher), ulids_(ulids) {}

std::string AdminService::issue(Transaction& tx, const Principal& principal) {
    Secret token = make_bearer_token(random_);
    tx.credentials().insert(Credential{hasher_.hash(token.text), principal, clock_.now(), false});
    const std::string subject = principal.subject.to_string();
    tx.audit().append(AuditEntry{0, clock_.now(), audit_event::token_issued, subject,
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
            return std::unexpected(Error::validation({{"email", {messages::duplicate_staff_email}}}));
        }
        const StaffAccount staff{ulids_.next(), *address, *display, clock_.now()};
        tx.credentials().add_staff(staff);
        return issue(tx, Principal{Role::staff, staff.id});
    });
}

Result<std::vector<StaffAccount>> AdminService::list_staff() {
    return in_transaction(store_, TransactionMode::read, [](Transaction& tx) -> Result<std::vector<StaffAccount>> {
        return tx.credentials().all_staff();
    });
}

namespace {

// The accounts the command line names: a customer by ulid, a staff account by email.
Result<Principal> customer_account(Transaction& tx, std::string_view ulid_text) {
    const auto ulid = Ulid::parse(ulid_text);
    if (!ulid || !tx.customers().find(*ulid)) return std::unexpected(Error::not_found("No customer with that ulid."));
    return Principal{Role::customer, *ulid};
}

Result<Principal> staff_account(Transaction& tx, std::string_view email) {
    const auto staff = tx.credentials().staff_by_email(text::ascii_lower(trim(email)));
    if (!staff) return std::unexpected(Error::not_found("No staff account with that email."));
    return Principal{Role::staff, staff->id};
}

// The audit entry of a revoked token: the account it spoke for, never the token.
AuditEntry token_revoked(const Principal& principal, TimePoint at) {
    return AuditEntry{0, at, audit_event::token_revoked, principal.subject.to_string(),
                      principal.role == Role::staff ? "staff" : "customer"};
}

}  // namespace

Result<std::string> AdminService::issue_customer_token(std::string_view ulid_text) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::string> {
        const auto who = customer_account(tx, ulid_text);
        if (!who) return std::unexpected(who.error());
        return issue(tx, *who);
    });
}

Result<std::string> AdminService::issue_staff_token(std::string_view email) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::string> {
        const auto who = staff_account(tx, email);
        if (!who) return std::unexpected(who.error());
        return issue(tx, *who);
    });
}

Result<void> AdminService::revoke_token(std::string_view token) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<void> {
        if (const auto flaw = bearer_token_flaw(token)) {
            return std::unexpected(Error::bad_request("That is not a token: " + *flaw + "."));
        }
        const TokenHash hash = hasher_.hash(token);
        const auto credential = tx.credentials().find(hash);
        if (!credential || !tx.credentials().revoke(hash)) {
            return std::unexpected(Error::not_found("No such token, or it was already revoked."));
        }
        tx.audit().append(token_revoked(credential->principal, clock_.now()));
        return {};
    });
}

Result<std::size_t> AdminService::revoke_customer_tokens(std::string_view ulid_text) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::size_t> {
        const auto who = customer_account(tx, ulid_text);
        if (!who) return std::unexpected(who.error());
        return revoke_all(tx, *who);
    });
}

Result<std::size_t> AdminService::revoke_staff_tokens(std::string_view email) {
    return in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<std::size_t> {
        const auto who = staff_account(tx, email);
        if (!who) return std::unexpected(who.error());
        return revoke_all(tx, *who);
    });
}

std::size_t AdminService::revoke_all(Transaction& tx, const Principal& principal) {
    const auto revoked = tx.credentials().revoke_all(principal);
    // One entry per token, as revoke_token writes (the entry names the account, not the token).
    for ([[maybe_unused]] const auto& hash : revoked) tx.audit().append(token_revoked(principal, clock_.now()));
    return revoked.size();
}

namespace {

constexpr std::array<std::string_view, 2> handled_mail_events{audit_event::mail_delivered, audit_event::mail_abandoned};

// A message the backup holds queued was handled, if at all, after the backup was made, and
// that was no earlier than anything the backup records. A day's margin for a clock stepped
// back meanwhile; reading further back would only read more.
TimePoint handled_mail_horizon(Store& backup) {
    auto tx = backup.begin(TransactionMode::read);
    std::optional<TimePoint> known = tx->outbox().oldest();
    if (const auto last = tx->audit().latest(1); !last.empty()) known = std::max(known.value_or(last[0].at), last[0].at);
    return known ? *known - std::chrono::days(1) : TimePoint::min();
}

std::vector<AuditEntry> handled_mail(Transaction& tx, TimePoint since) {
    std::vector<AuditEntry> entries;
    for (const auto event : handled_mail_events) {
        for (auto& entry : tx.audit().entries_of(event, since)) {
            if (mail_key_in(entry.detail)) entries.push_back(std::move(entry));
        }
    }
    return entries;
}

// Drops the queued messages `replaced` delivered or gave up, and records each of its entries
// this copy lacks, as it was: a later restore of a newer backup, which may still hold the
// message queued, reads it from here. Returns how many messages were dropped.
std::size_t drop_handled_mail(Transaction& tx, const std::vector<AuditEntry>& replaced, TimePoint since) {
    std::set<std::string, std::less<>> recorded;
    for (const auto& entry : handled_mail(tx, since)) recorded.emplace(*mail_key_in(entry.detail));
    std::set<std::string, std::less<>> handled;
    for (const auto& entry : replaced) {
        const auto key = *mail_key_in(entry.detail);
        handled.emplace(key);
        if (recorded.emplace(key).second) tx.audit().append(entry);
    }
    std::size_t dropped = 0;
    for (const auto& message : tx.outbox().due(TimePoint::max(), std::numeric_limits<std::uint32_t>::max())) {
        if (handled.contains(mail_key(message.id, message.created_at)) && tx.outbox().remove(message.id)) ++dropped;
    }
    return dropped;
}

// Appends each of `entries` (all of `event`) that this copy does not hold already. Counted,
// not just matched: two revocations of one account in the same millisecond are two entries.
void copy_missing_entries(Transaction& tx, std::string_view event, const std::vector<AuditEntry>& entries) {
    using Key = std::tuple<std::string, TimePoint, std::string>;
    std::map<Key, std::size_t> held;
    for (auto& entry : tx.audit().entries_of(event, TimePoint::min())) {
        ++held[Key{std::move(entry.subject), entry.at, std::move(entry.detail)}];
    }
    for (const auto& entry : entries) {
        auto& copies = held[Key{entry.subject, entry.at, entry.detail}];
        if (copies > 0) {
            --copies;
        } else {
            tx.audit().append(entry);
        }
    }
}

}  // namespace

Result<CarriedOver> AdminService::restore_carry_over(Store& replaced) {
    try {
        return carry_over(replaced);
    } catch (const StoreUnavailable& e) {
        return std::unexpected(Error::unavailable(e.what()));
    }
}

// Two stores, so not one in_transaction: a read of `replaced`, then one write here.
CarriedOver AdminService::carry_over(Store& replaced) {
    const TimePoint mail_since = handled_mail_horizon(store_);
    std::vector<AuditEntry> erasures;
    std::vector<AuditEntry> revocations;
    std::vector<AuditEntry> restores;
    std::vector<Credential> revoked;
    std::vector<AuditEntry> mail;
    {
        auto tx = replaced.begin(TransactionMode::read);
        erasures = tx->audit().entries_of(audit_event::customer_erased, TimePoint::min());
        revocations = tx->audit().entries_of(audit_event::token_revoked, TimePoint::min());
        restores = tx->audit().entries_of(audit_event::database_restored, TimePoint::min());
        for (const auto& hash : tx->credentials().revoked()) {
            if (auto credential = tx->credentials().find(hash)) revoked.push_back(std::move(*credential));
        }
        mail = handled_mail(*tx, mail_since);
    }
    CarriedOver done;
    auto tx = store_.begin(TransactionMode::write);
    for (const auto& entry : erasures) {
        const auto ulid = Ulid::parse(entry.subject);
        if (ulid && tx->customers().remove(*ulid)) ++done.erased;
    }
    for (const auto& credential : revoked) {
        if (tx->credentials().find(credential.hash)) {
            if (tx->credentials().revoke(credential.hash)) ++done.revoked;  // else revoked in the backup already
        } else if (account_exists(*tx, credential.principal)) {
            // Issued after the backup: kept as revoked, for a later restore of a newer backup.
            tx->credentials().insert(credential);
            ++done.revoked;
        }  // else nor its account: nothing here it could open
    }
    // The replaced database's entries, as they were (when, and how: "self", "deletion-link"):
    // the record of each erasure and revocation outlives the restore, and a later restore of
    // a newer backup reads them from here. So are earlier restores' own entries; then one for
    // this restore, whatever it carried over: it put older data back.
    copy_missing_entries(*tx, audit_event::customer_erased, erasures);
    copy_missing_entries(*tx, audit_event::token_revoked, revocations);
    copy_missing_entries(*tx, audit_event::database_restored, restores);
    done.mail_not_resent = drop_handled_mail(*tx, mail, mail_since);
    tx->audit().append(AuditEntry{0, clock_.now(), audit_event::database_restored, "",
                                  "erased again: " + std::to_string(done.erased) + "; tokens revoked again: " +
                                      std::to_string(done.revoked) + "; handled mail dropped: " +
                                      std::to_string(done.mail_not_resent)});
    tx->commit();
    return done;
}

}  // namespace jambo::core
