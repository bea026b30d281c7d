#pragma once
/// Port: persistence. A Store opens transactions; a Transaction gives atomic access to every
/// repository. Nothing a transaction did is visible to others, or survives, unless it commits.
///
/// Error contract: repository functions report expected outcomes as values (conflicts,
/// misses). Infrastructure failure is thrown and the transaction is then rolled back: throw
/// StoreUnavailable for anything transient or outside the program's control (busy, a lost
/// connection, a serialisation failure, disk full, I/O error), which the use cases answer as
/// Error::unavailable (503); anything else (a corrupt file, a bug) escapes the use case (500).
/// Nothing is retried.
///
/// Reads (begin(read) and what it gives) run on the HTTP server's I/O threads: they must not
/// wait long, for a writer or anything else.

#include <jambo/core/customer.hpp>
#include <jambo/core/ports/clock.hpp>
#include <jambo/core/token.hpp>
#include <jambo/core/ulid.hpp>

#include <cstdint>
#include <exception>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::core {

/// Thrown by adapters when the store cannot serve the operation right now (read-only file,
/// disk full, database locked for too long). Use cases turn it into Error::unavailable.
class StoreUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Which unique field a write collided on.
enum class UniqueField { email, phone_number };

/// Customers' records, keyed by ulid, with email and phone number unique.
class CustomerRepository {
public:
    CustomerRepository() = default;
    CustomerRepository(const CustomerRepository&) = delete;
    CustomerRepository& operator=(const CustomerRepository&) = delete;
    virtual ~CustomerRepository() = default;

    [[nodiscard]] virtual std::optional<Customer> find(const Ulid& ulid) = 0;
    /// Whether another customer (not `except`) holds this email key: Customer::email_key(),
    /// lower-cased in ASCII only; compare it exactly, not with a Unicode case fold.
    [[nodiscard]] virtual bool email_taken(const std::string& email_key, const std::optional<Ulid>& except) = 0;
    [[nodiscard]] virtual bool phone_taken(const std::string& phone, const std::optional<Ulid>& except) = 0;
    /// Fails with the field that collided: the only uniqueness check a valid draft gets (the
    /// use cases do not probe first), so a store must refuse a taken email key or phone itself.
    /// The transaction stays usable after such a failure: the caller then asks email_taken
    /// and phone_taken in it (a database that aborts the transaction on a constraint
    /// violation needs a savepoint around the insert).
    [[nodiscard]] virtual std::expected<void, UniqueField> insert(const Customer& customer) = 0;
    /// Replaces the stored customer with the same ulid. Precondition: it exists.
    [[nodiscard]] virtual std::expected<void, UniqueField> update(const Customer& customer) = 0;
    /// Deletes the customer and everything tied to it: credentials, deletion tokens, queued
    /// mail. Returns false if there was no such customer.
    virtual bool remove(const Ulid& ulid) = 0;
    /// How many customers there are, agreeing with page() in the same transaction (its own
    /// writes included): the service reads page(count() - 1, 1) for the newest ulid. Called
    /// on every list request, so keep it cheap (the SQLite store keeps a counter).
    [[nodiscard]] virtual std::uint64_t count() = 0;
    /// Customers in ulid order, skipping `offset`.
    [[nodiscard]] virtual std::vector<Customer> page(std::uint64_t offset, std::uint32_t limit) = 0;
    /// Customers in ulid order with a ulid greater than `after`.
    [[nodiscard]] virtual std::vector<Customer> after(const Ulid& after, std::uint32_t limit) = 0;
};

struct StaffAccount {
    Ulid id;
    std::string email;
    std::string name;
    TimePoint created_at;

    friend bool operator==(const StaffAccount&, const StaffAccount&) = default;
};

/// A stored bearer credential: only the hash of the token, never the token.
struct Credential {
    TokenHash hash;
    Principal principal;
    TimePoint created_at;
    bool revoked = false;

    friend bool operator==(const Credential&, const Credential&) = default;
};

/// Bearer credentials (by token hash) and the staff accounts they can belong to.
class CredentialRepository {
public:
    CredentialRepository() = default;
    CredentialRepository(const CredentialRepository&) = delete;
    CredentialRepository& operator=(const CredentialRepository&) = delete;
    virtual ~CredentialRepository() = default;

    /// Stores a new credential. The use cases never give one whose customer or staff account
    /// is missing, nor a hash that is stored: the SQLite and in-memory stores throw then
    /// (std::runtime_error), as keys would; a store need not check.
    virtual void insert(const Credential& credential) = 0;
    /// The credential with this hash, revoked or not.
    [[nodiscard]] virtual std::optional<Credential> find(const TokenHash& hash) = 0;
    /// Returns false if no such credential or it was already revoked.
    virtual bool revoke(const TokenHash& hash) = 0;
    /// The hashes of every revoked credential, in no particular order.
    [[nodiscard]] virtual std::vector<TokenHash> revoked() = 0;
    /// Revokes every credential of `principal` not revoked yet (a lost laptop, a leaver) and
    /// returns their hashes, in no particular order; none for an account with none or no such
    /// account.
    virtual std::vector<TokenHash> revoke_all(const Principal& principal) = 0;

    /// Stores a new staff account. AdminService looks the email up first (staff_by_email);
    /// the SQLite and in-memory stores also throw on a taken id or email, as keys would.
    virtual void add_staff(const StaffAccount& staff) = 0;
    /// `email_key` is the lower-cased address.
    [[nodiscard]] virtual std::optional<StaffAccount> staff_by_email(const std::string& email_key) = 0;
    [[nodiscard]] virtual std::optional<StaffAccount> staff_by_id(const Ulid& id) = 0;
    /// Every staff account, in id order: the order they were added (the contract suite holds
    /// stores to it, and AdminService::list_staff promises it).
    [[nodiscard]] virtual std::vector<StaffAccount> all_staff() = 0;
};

/// A stored deletion token: the hash, whom it erases, and which address the link went to.
struct DeletionTokenRecord {
    TokenHash hash;
    Ulid customer;
    /// The hash of the token with the email key it was mailed to: with the link, the address
    /// can be checked; without it, an address the customer has since changed cannot be read
    /// back (nor confirmed by guessing). Opaque to a store.
    TokenHash email_digest;
    TimePoint created_at;
    TimePoint expires_at;
    bool used = false;

    friend bool operator==(const DeletionTokenRecord&, const DeletionTokenRecord&) = default;
};

/// Deletion links' tokens (by hash): issued, looked up, used once, purged after expiry.
class DeletionTokenRepository {
public:
    DeletionTokenRepository() = default;
    DeletionTokenRepository(const DeletionTokenRepository&) = delete;
    DeletionTokenRepository& operator=(const DeletionTokenRepository&) = delete;
    virtual ~DeletionTokenRepository() = default;

    /// Stores a new token, of a customer that exists, with a hash not stored (the use cases
    /// see to both; the SQLite and in-memory stores throw otherwise, as keys would).
    virtual void insert(const DeletionTokenRecord& record) = 0;
    /// The token with this hash, used or not, expired or not (until purged).
    [[nodiscard]] virtual std::optional<DeletionTokenRecord> find(const TokenHash& hash) = 0;
    /// Marks the token used; returns false if it is unknown or was already used, so of two
    /// concurrent confirmations exactly one gets true.
    virtual bool consume(const TokenHash& hash) = 0;
    /// Creation times of this customer's tokens made at or after `since`, oldest first.
    [[nodiscard]] virtual std::vector<TimePoint> issued_since(const Ulid& customer, TimePoint since) = 0;
    /// Drops tokens that expired before `cutoff`; returns how many.
    virtual std::uint64_t purge_expired(TimePoint cutoff) = 0;
};

/// A message waiting to be delivered. `body` holds a secret link until it is delivered or
/// abandoned; then the message is removed.
struct OutboxMessage {
    std::int64_t id = 0;                ///< assigned by enqueue
    std::optional<Ulid> customer;
    std::string recipient;
    std::string subject;
    std::string body;
    TimePoint created_at;
    TimePoint next_attempt_at;
    std::uint32_t attempts = 0;
    std::string last_error;
    /// When the message stops being worth sending (its link's expiry): a relay gives it up
    /// then, sent or not, and never tries it later. None: only the relay's retry period ends it.
    std::optional<TimePoint> expires_at = std::nullopt;

    friend bool operator==(const OutboxMessage&, const OutboxMessage&) = default;
};

/// Mail waiting for the relay: committed with the request that asks for it, removed once handled.
class Outbox {
public:
    Outbox() = default;
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;
    virtual ~Outbox() = default;

    /// Stores the message and returns its id (ids increase in enqueue order).
    virtual std::int64_t enqueue(const OutboxMessage& message) = 0;
    /// Messages whose next attempt is at or before `now`, earliest due first, then by id.
    /// Called with TimePoint::max() and UINT32_MAX for "every message" (restore, status):
    /// mind overflow when converting them.
    [[nodiscard]] virtual std::vector<OutboxMessage> due(TimePoint now, std::uint32_t limit) = 0;
    /// Records a failed attempt. Returns false if the message is gone (its customer deleted).
    virtual bool reschedule(std::int64_t id, TimePoint next_attempt_at, std::uint32_t attempts,
                            const std::string& last_error) = 0;
    /// Removes a delivered or abandoned message, body and all.
    virtual bool remove(std::int64_t id) = 0;
    /// Every message queued for this customer, due or not, in id order.
    [[nodiscard]] virtual std::vector<OutboxMessage> queued_for(const Ulid& customer) = 0;
    [[nodiscard]] virtual std::uint64_t depth() = 0;
    /// Creation time of the oldest queued message.
    [[nodiscard]] virtual std::optional<TimePoint> oldest() = 0;
    /// When the earliest queued message is due; lets a relay sleep instead of polling.
    [[nodiscard]] virtual std::optional<TimePoint> next_due() = 0;
};

/// The events of the audit log. `jambo restore` reads some of them back (erasures,
/// revocations, handled mail), so whoever writes one and whoever reads it use these spellings.
namespace audit_event {
inline constexpr char customer_erased[] = "customer.erased";  ///< subject: the ulid; detail: how
inline constexpr char token_issued[] = "token.issued";        ///< subject: the account; detail: its role
inline constexpr char token_revoked[] = "token.revoked";      ///< subject: the account; detail: its role
inline constexpr char mail_delivered[] = "mail.delivered";    ///< detail: handled_mail_detail
inline constexpr char mail_abandoned[] = "mail.abandoned";    ///< detail: handled_mail_detail
inline constexpr char database_restored[] = "database.restored";  ///< detail: what `jambo restore` carried over
}  // namespace audit_event

/// Security-relevant facts, never personal data: what happened, to which ulid, when, how.
struct AuditEntry {
    std::int64_t id = 0;  ///< assigned by append
    TimePoint at;
    std::string event;    ///< one of audit_event
    std::string subject;  ///< a ulid, or "" when none applies
    std::string detail;   ///< e.g. "deletion-link", "staff:<staff ulid>"

    friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

/// An append-only record of security-relevant events (AuditEntry).
class AuditLog {
public:
    AuditLog() = default;
    AuditLog(const AuditLog&) = delete;
    AuditLog& operator=(const AuditLog&) = delete;
    virtual ~AuditLog() = default;

    /// Stores the entry (its id ignored) and returns the id given to it; ids increase in
    /// append order and are never reused.
    virtual std::int64_t append(const AuditEntry& entry) = 0;
    /// The latest `limit` entries, newest first.
    [[nodiscard]] virtual std::vector<AuditEntry> latest(std::uint32_t limit) = 0;
    /// Every entry of `event` at or after `since`, in append order; TimePoint::min() for all.
    [[nodiscard]] virtual std::vector<AuditEntry> entries_of(std::string_view event, TimePoint since) = 0;
};

enum class TransactionMode { read, write };

/// One unit of work. Destroying it without commit() rolls everything back.
class Transaction {
public:
    Transaction() = default;
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    virtual ~Transaction() = default;

    [[nodiscard]] virtual CustomerRepository& customers() = 0;
    [[nodiscard]] virtual CredentialRepository& credentials() = 0;
    [[nodiscard]] virtual DeletionTokenRepository& deletion_tokens() = 0;
    [[nodiscard]] virtual Outbox& outbox() = 0;
    [[nodiscard]] virtual AuditLog& audit() = 0;

    /// Makes every change durable and visible. Throws on failure (then nothing was applied).
    /// On a read transaction it must succeed and just end it: the use cases commit every
    /// transaction they finish without an error, reads too. Committing twice is a
    /// std::logic_error.
    virtual void commit() = 0;
};

class Store {
public:
    Store() = default;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;
    virtual ~Store() = default;

    /// Begins a transaction. A write transaction excludes other writers until it ends;
    /// read transactions see a consistent snapshot. Safe to call from several threads. The
    /// mail relay writes through begin(write) on its own thread, beside run_write's callers:
    /// a store with a writer thread of its own must take such transactions too.
    [[nodiscard]] virtual std::unique_ptr<Transaction> begin(TransactionMode mode) = 0;

    /// Runs `work` in a write transaction and keeps its changes if it returns true; false or
    /// an exception undoes everything `work` did. Returns once the kept changes are committed
    /// and as durable as a commit() of begin(write); an exception from `work` or from the
    /// commit reaches this caller only. A store may run `work` on another thread, in one
    /// transaction with other callers' work (group commit), so `work` must not rely on
    /// thread-local state, must not call commit() (std::logic_error) and must not start
    /// another write. Safe to call from several threads. The default is begin(write) and
    /// commit().
    virtual void run_write(const std::function<bool(Transaction&)>& work) {
        auto tx = begin(TransactionMode::write);
        if (work(*tx)) tx->commit();
    }

    /// run_write without waiting for it: queues `work` and returns; `done` is then called
    /// once, with nullptr when run_write would have returned or with what it would have
    /// thrown. A store that queues (see queues_writes) calls `done` on its own writer thread
    /// after the batch's commit, so `done` must be quick, must not throw and must not wait for
    /// the store; it hands the outcome to whoever answers the caller. Throws, without calling
    /// `done`, only if the store cannot take work at all: StoreUnavailable when it is closing.
    /// The default runs run_write on the calling thread, then calls `done`.
    virtual void submit_write(std::function<bool(Transaction&)> work, std::function<void(std::exception_ptr)> done) {
        std::exception_ptr failure;
        try {
            run_write(work);
        } catch (...) {
            failure = std::current_exception();
        }
        done(failure);
    }

    /// Whether submit_write returns before its work runs, so a thread that must never wait
    /// (an HTTP I/O thread) may call it. False for the default submit_write.
    [[nodiscard]] virtual bool queues_writes() const { return false; }

    /// Whether the store answers at all (for GET /api/status).
    [[nodiscard]] virtual bool healthy() = 0;
};

}  // namespace jambo::core
