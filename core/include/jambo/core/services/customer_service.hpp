#pragma once
/// Use cases on customer records: register, read, list, update, delete. Every authorization
/// decision of the contract's section 4 for these endpoints is made here.

#include <jambo/core/customer.hpp>
#include <jambo/core/error.hpp>
#include <jambo/core/policy.hpp>
#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/random_source.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/ports/token_hasher.hpp>
#include <jambo/core/services/authenticator.hpp>
#include <jambo/core/services/unit_of_work.hpp>
#include <jambo/core/ulid.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace jambo::core {

/// A new customer and the bearer token shown only this once.
struct Registration {
    Customer customer;
    std::string token;
};

/// The query of a list request, as the client wrote it.
struct PageRequest {
    std::optional<std::string> page{};
    std::optional<std::string> page_size{};
    std::optional<std::string> after{};
};

/// Where a neighbouring page is: a page number (1 means "no page parameter") or a keyset cursor.
struct PageCursor {
    std::variant<std::uint64_t, Ulid> position;
    friend bool operator==(const PageCursor&, const PageCursor&) = default;
};

struct CustomerPage {
    std::uint64_t count = 0;
    std::vector<Customer> customers;
    std::optional<PageCursor> next;
    std::optional<PageCursor> previous;
    /// Set when the client gave page_size, to the size used (the default for one that is not
    /// a positive number, the cap for one above it); links then carry it.
    std::optional<std::uint32_t> page_size_param;
};

/// Staff see a page; a customer sees its own record (the original's behaviour).
using Listing = std::variant<CustomerPage, Customer>;

/// Safe to use from many threads at once; neither copied nor moved (build it in place).
/// Errors come back as Error; a store failure other than StoreUnavailable (corruption, a bug)
/// is thrown, and the asynchronous forms hand it to their Completion instead.
class CustomerService {
public:
    /// Keeps references to the ports and the generator, which must outlive the service (and
    /// every completion it was given, until called); keeps a copy of the policy. Throws
    /// std::invalid_argument for a policy that normalised() refuses.
    CustomerService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher,
                    UlidGenerator& ulids, Policy policy);

    /// No auth. Errors: validation (including duplicate email/phone as field errors).
    [[nodiscard]] Result<Registration> register_customer(const CustomerDraft& draft);
    /// The same through Store::submit_write: returns once the write is queued (or refused);
    /// `then` receives what the call above returns or throws, exactly once, and this call
    /// throws nothing itself. `then` may run before the call returns, on the caller's thread
    /// (see Completion). For a caller that must not wait, with a store whose queues_writes()
    /// is true. The service must outlive `then`.
    void register_customer(const CustomerDraft& draft, Completion<Registration> then);

    /// Staff: any customer, or not_found (also for a malformed ulid). Customer: its own only,
    /// forbidden for every other ulid, existing or not.
    [[nodiscard]] Result<Customer> get(const Credentials& credentials, std::string_view ulid);

    /// Staff: page-number or keyset page; not_found "Invalid page." past the end. Customer:
    /// its own record. No credentials: unauthenticated.
    [[nodiscard]] Result<Listing> list(const Credentials& credentials, const PageRequest& request);

    /// Customer edits itself (PUT full, PATCH partial). Staff: forbidden.
    [[nodiscard]] Result<Customer> update_self(const Credentials& credentials, const CustomerDraft& draft,
                                               DraftMode mode);
    /// update_self through Store::submit_write, as register_customer above.
    void update_self(const Credentials& credentials, const CustomerDraft& draft, DraftMode mode,
                     Completion<Customer> then);

    /// Staff edits any customer. Customer: forbidden. Missing: not_found.
    [[nodiscard]] Result<Customer> update(const Credentials& credentials, std::string_view ulid,
                                          const CustomerDraft& draft, DraftMode mode);
    /// update through Store::submit_write, as register_customer above.
    void update(const Credentials& credentials, std::string_view ulid, const CustomerDraft& draft, DraftMode mode,
                Completion<Customer> then);

    /// What update_self and update would refuse whatever the body says (unauthenticated,
    /// forbidden, not_found), in a read; success when only the body is left to judge. For an
    /// adapter whose body could not be decoded: the caller learns what the original's
    /// framework told first, which it checks before it parses a body.
    [[nodiscard]] Result<void> authorize_update_self(const Credentials& credentials);
    [[nodiscard]] Result<void> authorize_update(const Credentials& credentials, std::string_view ulid);

    /// Staff, or the customer itself; cascades and audits. Another customer: forbidden.
    /// Staff and missing: not_found.
    [[nodiscard]] Result<void> remove(const Credentials& credentials, std::string_view ulid);

private:
    Store& store_;
    const Clock& clock_;
    RandomSource& random_;
    const TokenHasher& hasher_;
    UlidGenerator& ulids_;
    const Policy policy_;
    Authenticator authenticator_;
    std::atomic<bool> ulids_follow_store_{false};

    [[nodiscard]] ValidationSettings validation_settings() const;
    void follow_stored_ulids(Transaction& tx);
    [[nodiscard]] Result<Customer> own_record(Transaction& tx, const Credentials& credentials) const;
    [[nodiscard]] Result<Customer> staff_target(Transaction& tx, const Credentials& credentials,
                                                std::string_view ulid) const;
    [[nodiscard]] Result<Customer> save_update(Transaction& tx, const Customer& current,
                                               const CustomerDraft& draft, DraftMode mode);
    void drop_queued_mail(Transaction& tx, const Ulid& customer) const;
};

}  // namespace jambo::core
