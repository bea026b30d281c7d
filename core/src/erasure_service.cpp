#include <jambo/core/services/erasure_service.hpp>

#include <jambo/core/customer.hpp>
#include <jambo/core/services/unit_of_work.hpp>

#include "mailbox_limit.hpp"
#include "recent_erasures.hpp"

#include <algorithm>
#include <string>
#include <string_view>

namespace jambo::core {

namespace {

std::string ttl_in_words(std::chrono::seconds ttl) {
    const auto count = ttl.count();
    const auto plural = [](long long n, const char* unit) {
        return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
    };
    if (count % 86400 == 0) return plural(count / 86400, "day");
    if (count % 3600 == 0) return plural(count / 3600, "hour");
    if (count % 60 == 0) return plural(count / 60, "minute");
    return plural(count, "second");
}

// How long until fewer than `allowed` (at least 1: the policy is normalised) of these times,
// oldest first and all in the window, are still in it; zero when there is room now.
TimePoint::duration wait_for_room(const std::vector<TimePoint>& times, std::uint32_t allowed, TimePoint now) {
    if (times.size() < allowed) return TimePoint::duration::zero();
    return times[times.size() - allowed] + deletion_request_window - now;
}

}  // namespace

DeletionMail compose_deletion_mail(std::string_view link, std::chrono::seconds ttl) {
    DeletionMail mail;
    mail.subject = "Confirm the deletion of your data";
    // Prose lines stay under RFC 5322's 78 characters; the link is on a line of its own.
    mail.body = std::string("Hello,\n\n") +
                "We received a request to delete your customer record and everything\n"
                "tied to it: your name, date of birth, nationality, email address,\n"
                "phone number and every access token issued to you. This cannot be\n"
                "undone.\n\n"
                "To confirm, open this link within " + ttl_in_words(ttl) + ":\n\n" + std::string(link) + "\n\n" +
                "If you did not ask for this, ignore this message: nothing will be\n"
                "deleted, and the link stops working by itself. If you keep receiving\n"
                "these messages, reply to this one to tell us.\n";
    return mail;
}

ErasureService::ErasureService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher,
                               Policy policy)
    : store_(store),
      clock_(clock),
      random_(random),
      hasher_(hasher),
      policy_(normalised(std::move(policy))),
      public_origin_(origin_of_url(policy_.public_url)),
      authenticator_(hasher),
      mailbox_limit_(std::make_unique<MailboxLimit>(hasher, random)),
      recent_erasures_(std::make_unique<RecentErasures>()) {}

ErasureService::~ErasureService() = default;

Result<std::string> ErasureService::link_base(const std::optional<RawField>& origin) const {
    const auto field_error = [](const char* message) { return Error::validation({{"origin", {message}}}); };
    // A number or an object is a field error, as in any other string field (DRF's wording).
    if (origin && origin->kind() == RawField::Kind::null) return std::unexpected(field_error(messages::null));
    if (origin && origin->kind() == RawField::Kind::not_text) return std::unexpected(field_error(messages::not_a_string));
    // Trimmed like every other text field: " https://app.example " is that origin, and a
    // blank one is no origin at all, as "" is.
    std::string_view text = origin ? std::string_view(origin->value()) : std::string_view();
    // A form's bytes are not checked on the way in; the customer's fields say this too.
    if (!is_valid_utf8(text)) return std::unexpected(field_error(messages::invalid_utf8));
    text = trim(text);
    if (text.empty()) return policy_.public_url;
    const auto normalised = normalise_origin(text);
    const auto& allowed = policy_.allowed_origins;
    // The default list is the public URL's origin (the URL may have a path).
    const bool ok = normalised && (allowed.empty() ? normalised == public_origin_
                                                   : std::ranges::find(allowed, *normalised) != allowed.end());
    if (!ok) return std::unexpected(Error::bad_request(messages::origin_not_allowed));
    // The public URL's own origin links to where the API is, path included
    // (https://x.example/jambo); another origin is a front end that takes the link's path.
    return normalised == public_origin_ ? policy_.public_url : *normalised;
}

Result<Customer> ErasureService::requester(Transaction& tx, const Credentials& credentials,
                                           std::string_view ulid_text) const {
    const auto who = authenticator_.authenticate(tx, credentials);
    // The seed answers a missing or bad token here with 400, not 401.
    if (!who) return std::unexpected(Error::bad_request(messages::customer_invalid));
    const auto ulid = Ulid::parse(ulid_text);
    if (who->role != Role::customer || !ulid || *ulid != who->subject) return std::unexpected(Error::forbidden());
    auto customer = tx.customers().find(*ulid);
    if (!customer) return std::unexpected(Error::bad_request(messages::customer_invalid));
    return std::move(*customer);
}

Result<void> ErasureService::authorize_deletion_request(const Credentials& credentials, std::string_view ulid) {
    return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<void> {
        if (auto customer = requester(tx, credentials, ulid); !customer) return std::unexpected(customer.error());
        return {};
    });
}

Result<void> ErasureService::request_deletion(const Credentials& credentials, std::string_view ulid_text,
                                              const std::optional<RawField>& origin) {
    auto result = in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<void> {
        const auto customer = requester(tx, credentials, ulid_text);
        if (!customer) return std::unexpected(customer.error());
        const Ulid ulid = customer->ulid;

        const auto base = link_base(origin);
        if (!base) return std::unexpected(base.error());

        // Counted per record, the contract's limit, and per address when the policy gives an
        // allowance for it: addresses are not verified, and someone putting another person's
        // address on record after record would otherwise get three mails into that mailbox
        // for each.
        const TimePoint now = clock_.now();
        const TimePoint window_start = now - deletion_request_window + std::chrono::milliseconds{1};
        auto& tokens = tx.deletion_tokens();
        auto wait = wait_for_room(tokens.issued_since(ulid, window_start), policy_.deletion_requests_per_hour, now);
        // Held to the end of the work; write transactions are serialised, so this adds no wait.
        std::optional<MailboxLimit::Held> mailbox;
        if (const auto per_address = policy_.deletion_mails_per_address_per_hour) {
            mailbox.emplace(mailbox_limit_->hold(customer->email_key(), window_start));
            wait = std::max(wait, wait_for_room(mailbox->times(), *per_address, now));
        }
        if (wait > TimePoint::duration::zero()) {
            return std::unexpected(Error::rate_limited(std::chrono::ceil<std::chrono::seconds>(wait)));
        }

        Secret token = make_deletion_token(random_);
        const TimePoint expires_at = now + policy_.deletion_token_ttl;
        tokens.insert(DeletionTokenRecord{hasher_.hash(token.text), ulid, email_digest(token.text, customer->email_key()),
                                          now, expires_at, false});
        // Noted before the commit: should it fail, the address has one mail too many counted
        // against it for an hour, never one too few.
        if (mailbox) mailbox->note(now);
        const std::string link = *base + "/api/customer/" + token.text + "/delete/confirm";
        DeletionMail mail = compose_deletion_mail(link, policy_.deletion_token_ttl);
        // It expires with its link: mailed later, the link would only answer 410.
        tx.outbox().enqueue(OutboxMessage{0, ulid, customer->email, std::move(mail.subject), std::move(mail.body), now,
                                          now, 0, {}, expires_at});
        return {};
    });
    if (result && notify_) {
        // The link and its mail are committed: a failed wake-up must not turn that into an
        // error (a client retrying would spend the hourly allowance). The relay's own timer
        // finds the mail anyway.
        try {
            notify_();
        } catch (...) {
        }
    }
    return result;
}

TokenHash ErasureService::email_digest(std::string_view deletion_token, std::string_view email_key) const {
    // A token is base64url, so the newline cannot be part of it: no two pairs hash alike.
    std::string bound(deletion_token);
    bound += '\n';
    bound += email_key;
    return hasher_.hash(bound);
}

Result<ErasureService::UsableLink> ErasureService::usable_link(Transaction& tx, std::string_view text) const {
    if (!is_well_formed_deletion_token(text)) return std::unexpected(Error::not_found(messages::no_token_matches));
    auto record = tx.deletion_tokens().find(hasher_.hash(text));
    if (!record || record->used) return std::unexpected(Error::not_found(messages::no_token_matches));
    // The link was mailed to one address; after an address change it erases nothing.
    auto customer = tx.customers().find(record->customer);
    if (!customer || email_digest(text, customer->email_key()) != record->email_digest) {
        return std::unexpected(Error::not_found(messages::no_token_matches));
    }
    if (clock_.now() >= record->expires_at) return std::unexpected(Error::gone(messages::link_expired));
    return UsableLink{std::move(*record), std::move(*customer)};
}

Result<ErasurePreview> ErasureService::preview(std::string_view deletion_token) {
    return in_transaction(store_, TransactionMode::read, [&](Transaction& tx) -> Result<ErasurePreview> {
        auto link = usable_link(tx, deletion_token);
        if (!link) return std::unexpected(link.error());
        return ErasurePreview{std::move(link->customer), link->record.expires_at};
    });
}

Result<void> ErasureService::confirm(std::string_view deletion_token) {
    std::optional<TokenHash> noted;
    const auto forget_unless_committed = [&](bool committed) {
        if (noted && !committed) recent_erasures_->forget(*noted);
    };
    try {
        auto result = in_transaction(store_, TransactionMode::write, [&](Transaction& tx) -> Result<void> {
            const auto link = usable_link(tx, deletion_token);
            if (!link) return std::unexpected(link.error());
            const DeletionTokenRecord& record = link->record;
            if (!tx.deletion_tokens().consume(record.hash)) {
                return std::unexpected(Error::not_found(messages::no_token_matches));
            }
            tx.customers().remove(record.customer);
            const TimePoint now = clock_.now();
            tx.audit().append(AuditEntry{0, now, audit_event::customer_erased, record.customer.to_string(), "deletion-link"});
            // Noted before the commit, under the write lock: a second click waiting for that
            // lock must find it when its own lookup fails. Forgotten if the commit fails.
            recent_erasures_->note(record.hash, now);
            noted = record.hash;
            return {};
        });
        forget_unless_committed(result.has_value());
        return result;
    } catch (...) {
        forget_unless_committed(false);
        throw;
    }
}

std::optional<TimePoint> ErasureService::erased_with(std::string_view deletion_token) {
    if (!is_well_formed_deletion_token(deletion_token)) return std::nullopt;
    return recent_erasures_->erased_at(hasher_.hash(deletion_token), clock_.now());
}

}  // namespace jambo::core
