#pragma once
/// Use cases of the right to erasure: request a deletion link by mail, then confirm it.

#include <jambo/core/customer.hpp>
#include <jambo/core/error.hpp>
#include <jambo/core/policy.hpp>
#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/random_source.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/ports/token_hasher.hpp>
#include <jambo/core/services/authenticator.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::core {

class MailboxLimit;
class RecentErasures;

/// What a deletion link will erase, for the page a browser shows before the customer confirms.
struct ErasurePreview {
    Customer customer;
    TimePoint expires_at;
};

/// The text of the mail that carries a deletion link.
struct DeletionMail {
    std::string subject;
    std::string body;
};

/// Builds the mail: what will be deleted, how long the link lives, what to do if the
/// customer did not ask. Nothing a client wrote goes into it: anyone can register any address
/// with any name, so a greeting by name would let them mail their own text (a phishing line, a
/// URL) to that address from our sender, above a genuine link. Pure, so it can be tested and
/// fuzzed on its own.
[[nodiscard]] DeletionMail compose_deletion_mail(std::string_view link, std::chrono::seconds ttl);

/// Safe to use from many threads at once (on_mail_queued aside); neither copied nor moved.
/// Errors come back as Error; a store failure other than StoreUnavailable is thrown.
class ErasureService {
public:
    /// Keeps references to the ports, which must outlive the service; keeps a copy of the policy.
    ErasureService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher, Policy policy);
    ~ErasureService();
    ErasureService(const ErasureService&) = delete;
    ErasureService& operator=(const ErasureService&) = delete;

    /// Called after a message is committed to the outbox, so a relay can wake up: on the
    /// thread that called request_deletion, before it returns. It should be quick and not
    /// throw (what it throws is dropped: the request has succeeded). Set it before the service
    /// is shared between threads: the setter is not synchronised.
    void on_mail_queued(std::function<void()> notify) { notify_ = std::move(notify); }

    /// Customer token of that customer only. Errors: bad_request "Customer Not Found or is
    /// Invalid" (no or bad token), forbidden (staff, other customer), bad_request "Origin not
    /// allowed.", validation on "origin" (null, not a string, not UTF-8), rate_limited (more than the hourly allowance for this customer, or, when the
    /// policy sets deletion_mails_per_address_per_hour, for its mailbox from any record while
    /// this service runs; refused requests don't count). On success the token and the mail are
    /// committed in one transaction. Use one ErasureService per store for the life of the
    /// process: the count per mailbox lives in it.
    /// `origin` as the client sent it (std::nullopt: none), judged here like a customer field.
    [[nodiscard]] Result<void> request_deletion(const Credentials& credentials, std::string_view ulid,
                                                const std::optional<RawField>& origin);

    /// What request_deletion would refuse whatever the origin (the two errors about the
    /// token, forbidden), in a read; success when only the origin is left to judge. For an
    /// adapter whose body could not be decoded, as CustomerService::authorize_update.
    [[nodiscard]] Result<void> authorize_deletion_request(const Credentials& credentials, std::string_view ulid);

    /// Checks a link without using it. Errors: not_found (unknown, used, malformed, or the
    /// customer's address changed since), gone (expired).
    [[nodiscard]] Result<ErasurePreview> preview(std::string_view deletion_token);

    /// Uses the link: erases the customer and everything tied to it, appends an audit entry.
    /// Same errors as preview; of two concurrent confirmations exactly one succeeds.
    [[nodiscard]] Result<void> confirm(std::string_view deletion_token);

    /// When `deletion_token` erased its record through confirm() on this service, if less than
    /// a quarter hour ago: a second click or a reload of the confirm page meets a link gone with
    /// its record (not_found, as an unknown one), and the page can say it was used. Kept in
    /// memory only (the links' hashes, at most 4,096), so not across a restart.
    [[nodiscard]] std::optional<TimePoint> erased_with(std::string_view deletion_token);

private:
    Store& store_;
    const Clock& clock_;
    RandomSource& random_;
    const TokenHasher& hasher_;
    const Policy policy_;
    const std::optional<std::string> public_origin_;  ///< the public URL's scheme, host and port
    Authenticator authenticator_;
    std::function<void()> notify_;
    /// The hourly limit per address (see request_deletion), in memory only.
    std::unique_ptr<MailboxLimit> mailbox_limit_;
    /// The links confirm() used lately (see erased_with).
    std::unique_ptr<RecentErasures> recent_erasures_;

    [[nodiscard]] Result<Customer> requester(Transaction& tx, const Credentials& credentials,
                                             std::string_view ulid) const;
    /// A link that may be used now, and the customer it erases.
    struct UsableLink {
        DeletionTokenRecord record;
        Customer customer;
    };
    [[nodiscard]] Result<UsableLink> usable_link(Transaction& tx, std::string_view text) const;
    [[nodiscard]] TokenHash email_digest(std::string_view deletion_token, std::string_view email_key) const;
    [[nodiscard]] Result<std::string> link_base(const std::optional<RawField>& origin) const;
};

}  // namespace jambo::core
