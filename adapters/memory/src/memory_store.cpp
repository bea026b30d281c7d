#include <jambo/memory/memory_store.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <mutex>
#include <shared_mutex>

namespace jambo::memory {

using namespace jambo::core;

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// A write through a read transaction is a bug in the caller; SQLite refuses it too.
void require(bool writable) {
    if (!writable) throw std::logic_error("write attempted in a read transaction");
}

// Everything the store holds. Copyable on purpose: a write transaction works on a copy.
struct State {
    std::map<Ulid, Customer> customers;
    std::map<std::string, Ulid> by_email_key;  // unique indexes, as the database keeps them
    std::map<std::string, Ulid> by_phone;
    std::map<TokenHash, Credential> credentials;
    std::map<Ulid, StaffAccount> staff;
    std::map<TokenHash, DeletionTokenRecord> deletion_tokens;
    std::map<std::int64_t, OutboxMessage> outbox;
    std::vector<AuditEntry> audit;
    std::int64_t next_outbox_id = 1;
    std::int64_t next_audit_id = 1;
};

class Customers final : public CustomerRepository {
public:
    Customers(State& state, bool writable) : s_(state), writable_(writable) {}

    std::optional<Customer> find(const Ulid& ulid) override {
        const auto it = s_.customers.find(ulid);
        return it == s_.customers.end() ? std::nullopt : std::optional(it->second);
    }
    bool email_taken(const std::string& email_key, const std::optional<Ulid>& except) override {
        return held_by_other(s_.by_email_key, email_key, except);
    }
    bool phone_taken(const std::string& phone, const std::optional<Ulid>& except) override {
        return held_by_other(s_.by_phone, phone, except);
    }
    std::expected<void, UniqueField> insert(const Customer& customer) override {
        require(writable_);
        if (s_.customers.contains(customer.ulid)) throw std::logic_error("duplicate customer ulid");
        if (auto clash = collision(customer)) return std::unexpected(*clash);
        s_.customers.emplace(customer.ulid, customer);
        index(customer);
        return {};
    }
    std::expected<void, UniqueField> update(const Customer& customer) override {
        require(writable_);
        const auto it = s_.customers.find(customer.ulid);
        if (it == s_.customers.end()) return {};  // as an SQL UPDATE of no row
        if (auto clash = collision(customer)) return std::unexpected(*clash);
        unindex(it->second);
        it->second = customer;
        index(customer);
        return {};
    }
    bool remove(const Ulid& ulid) override {
        require(writable_);
        const auto it = s_.customers.find(ulid);
        if (it == s_.customers.end()) return false;
        unindex(it->second);
        s_.customers.erase(it);
        std::erase_if(s_.credentials, [&](const auto& kv) {
            return kv.second.principal.role == Role::customer && kv.second.principal.subject == ulid;
        });
        std::erase_if(s_.deletion_tokens, [&](const auto& kv) { return kv.second.customer == ulid; });
        std::erase_if(s_.outbox, [&](const auto& kv) { return kv.second.customer == ulid; });
        return true;
    }
    std::uint64_t count() override { return s_.customers.size(); }
    std::vector<Customer> page(std::uint64_t offset, std::uint32_t limit) override {
        std::vector<Customer> out;
        auto it = s_.customers.begin();
        for (std::uint64_t i = 0; i < offset && it != s_.customers.end(); ++i) ++it;
        for (; it != s_.customers.end() && out.size() < limit; ++it) out.push_back(it->second);
        return out;
    }
    std::vector<Customer> after(const Ulid& after, std::uint32_t limit) override {
        std::vector<Customer> out;
        for (auto it = s_.customers.upper_bound(after); it != s_.customers.end() && out.size() < limit; ++it) {
            out.push_back(it->second);
        }
        return out;
    }

private:
    State& s_;
    bool writable_;

    static bool held_by_other(const std::map<std::string, Ulid>& index, const std::string& key,
                              const std::optional<Ulid>& except) {
        const auto it = index.find(key);
        return it != index.end() && (!except || it->second != *except);
    }
    std::optional<UniqueField> collision(const Customer& customer) const {
        if (held_by_other(s_.by_email_key, customer.email_key(), customer.ulid)) return UniqueField::email;
        if (held_by_other(s_.by_phone, customer.phone_number, customer.ulid)) return UniqueField::phone_number;
        return std::nullopt;
    }
    void index(const Customer& customer) {
        s_.by_email_key[customer.email_key()] = customer.ulid;
        s_.by_phone[customer.phone_number] = customer.ulid;
    }
    void unindex(const Customer& customer) {
        s_.by_email_key.erase(customer.email_key());
        s_.by_phone.erase(customer.phone_number);
    }
};

// Rows that belong to a customer need one that exists, as the database's foreign keys insist.
void require_customer(const State& state, const Ulid& ulid) {
    if (!state.customers.contains(ulid)) throw std::runtime_error("FOREIGN KEY constraint failed: no such customer");
}

class Credentials final : public CredentialRepository {
public:
    Credentials(State& state, bool writable) : s_(state), writable_(writable) {}

    void insert(const Credential& credential) override {
        require(writable_);
        const Principal& who = credential.principal;
        if (who.role == Role::customer) require_customer(s_, who.subject);
        if (who.role == Role::staff && !s_.staff.contains(who.subject)) {
            throw std::runtime_error("FOREIGN KEY constraint failed: no such staff account");
        }
        if (s_.credentials.contains(credential.hash)) throw std::runtime_error("UNIQUE constraint failed: credential");
        s_.credentials[credential.hash] = credential;
    }
    std::optional<Credential> find(const TokenHash& hash) override {
        const auto it = s_.credentials.find(hash);
        return it == s_.credentials.end() ? std::nullopt : std::optional(it->second);
    }
    bool revoke(const TokenHash& hash) override {
        require(writable_);
        const auto it = s_.credentials.find(hash);
        if (it == s_.credentials.end() || it->second.revoked) return false;
        it->second.revoked = true;
        return true;
    }
    std::vector<TokenHash> revoked() override {
        std::vector<TokenHash> out;
        for (const auto& [hash, credential] : s_.credentials) {
            if (credential.revoked) out.push_back(hash);
        }
        return out;
    }
    std::vector<TokenHash> revoke_all(const Principal& principal) override {
        require(writable_);
        std::vector<TokenHash> out;
        for (auto& [hash, credential] : s_.credentials) {
            if (credential.principal != principal || credential.revoked) continue;
            credential.revoked = true;
            out.push_back(hash);
        }
        return out;
    }
    void add_staff(const StaffAccount& staff) override {
        require(writable_);
        if (s_.staff.contains(staff.id) || staff_by_email(lower(staff.email))) {
            throw std::runtime_error("UNIQUE constraint failed: staff account");
        }
        s_.staff[staff.id] = staff;
    }
    std::optional<StaffAccount> staff_by_email(const std::string& email_key) override {
        for (const auto& [id, staff] : s_.staff) {
            if (lower(staff.email) == email_key) return staff;
        }
        return std::nullopt;
    }
    std::optional<StaffAccount> staff_by_id(const Ulid& id) override {
        const auto it = s_.staff.find(id);
        return it == s_.staff.end() ? std::nullopt : std::optional(it->second);
    }
    std::vector<StaffAccount> all_staff() override {
        std::vector<StaffAccount> out;
        for (const auto& [id, staff] : s_.staff) out.push_back(staff);
        return out;
    }

private:
    State& s_;
    bool writable_;
};

class DeletionTokens final : public DeletionTokenRepository {
public:
    DeletionTokens(State& state, bool writable) : s_(state), writable_(writable) {}

    void insert(const DeletionTokenRecord& record) override {
        require(writable_);
        require_customer(s_, record.customer);
        if (s_.deletion_tokens.contains(record.hash)) throw std::runtime_error("UNIQUE constraint failed: token");
        s_.deletion_tokens[record.hash] = record;
    }
    std::optional<DeletionTokenRecord> find(const TokenHash& hash) override {
        const auto it = s_.deletion_tokens.find(hash);
        return it == s_.deletion_tokens.end() ? std::nullopt : std::optional(it->second);
    }
    bool consume(const TokenHash& hash) override {
        require(writable_);
        const auto it = s_.deletion_tokens.find(hash);
        if (it == s_.deletion_tokens.end() || it->second.used) return false;
        it->second.used = true;
        return true;
    }
    std::vector<TimePoint> issued_since(const Ulid& customer, TimePoint since) override {
        std::vector<TimePoint> out;
        for (const auto& [hash, record] : s_.deletion_tokens) {
            if (record.customer == customer && record.created_at >= since) out.push_back(record.created_at);
        }
        std::ranges::sort(out);
        return out;
    }
    std::uint64_t purge_expired(TimePoint cutoff) override {
        require(writable_);
        return std::erase_if(s_.deletion_tokens, [&](const auto& kv) { return kv.second.expires_at < cutoff; });
    }

private:
    State& s_;
    bool writable_;
};

class MemoryOutbox final : public Outbox {
public:
    MemoryOutbox(State& state, bool writable) : s_(state), writable_(writable) {}

    std::int64_t enqueue(const OutboxMessage& message) override {
        require(writable_);
        if (message.customer) require_customer(s_, *message.customer);
        OutboxMessage stored = message;
        stored.id = s_.next_outbox_id++;
        s_.outbox.emplace(stored.id, std::move(stored));
        return s_.next_outbox_id - 1;
    }
    std::vector<OutboxMessage> due(TimePoint now, std::uint32_t limit) override {
        std::vector<OutboxMessage> out;
        for (const auto& [id, message] : s_.outbox) {
            if (message.next_attempt_at <= now) out.push_back(message);
        }
        std::ranges::sort(out, [](const OutboxMessage& a, const OutboxMessage& b) {
            return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
        });
        if (out.size() > limit) out.resize(limit);
        return out;
    }
    bool reschedule(std::int64_t id, TimePoint next_attempt_at, std::uint32_t attempts,
                    const std::string& last_error) override {
        require(writable_);
        const auto it = s_.outbox.find(id);
        if (it == s_.outbox.end()) return false;
        it->second.next_attempt_at = next_attempt_at;
        it->second.attempts = attempts;
        it->second.last_error = last_error;
        return true;
    }
    bool remove(std::int64_t id) override {
        require(writable_);
        return s_.outbox.erase(id) == 1;
    }
    std::vector<OutboxMessage> queued_for(const Ulid& customer) override {
        std::vector<OutboxMessage> out;
        for (const auto& [id, message] : s_.outbox) {  // a map: in id order
            if (message.customer == customer) out.push_back(message);
        }
        return out;
    }
    std::uint64_t depth() override { return s_.outbox.size(); }
    std::optional<TimePoint> oldest() override { return earliest(&OutboxMessage::created_at); }
    std::optional<TimePoint> next_due() override { return earliest(&OutboxMessage::next_attempt_at); }

private:
    State& s_;
    bool writable_;

    std::optional<TimePoint> earliest(TimePoint OutboxMessage::*member) const {
        std::optional<TimePoint> out;
        for (const auto& [id, message] : s_.outbox) {
            if (!out || message.*member < *out) out = message.*member;
        }
        return out;
    }
};

class MemoryAudit final : public AuditLog {
public:
    MemoryAudit(State& state, bool writable) : s_(state), writable_(writable) {}

    std::int64_t append(const AuditEntry& entry) override {
        require(writable_);
        AuditEntry stored = entry;
        stored.id = s_.next_audit_id++;
        s_.audit.push_back(std::move(stored));
        return s_.audit.back().id;
    }
    std::vector<AuditEntry> latest(std::uint32_t limit) override {
        std::vector<AuditEntry> out;
        for (auto it = s_.audit.rbegin(); it != s_.audit.rend() && out.size() < limit; ++it) out.push_back(*it);
        return out;
    }
    std::vector<AuditEntry> entries_of(std::string_view event, TimePoint since) override {
        std::vector<AuditEntry> out;
        for (const auto& entry : s_.audit) {
            if (entry.event == event && entry.at >= since) out.push_back(entry);
        }
        return out;
    }

private:
    State& s_;
    bool writable_;
};

}  // namespace

struct MemoryStore::Shared {
    std::shared_mutex mutex;
    State state;
};

// Readers share the live state under a shared lock. A writer holds the exclusive lock for
// its whole life and edits a copy, which replaces the live state only on commit.
class MemoryStore::Tx final : public Transaction {
public:
    Tx(Shared& shared, TransactionMode mode) : shared_(shared) {
        if (mode == TransactionMode::write) {
            write_lock_ = std::unique_lock(shared_.mutex);
            draft_ = shared_.state;
            state_ = &*draft_;
        } else {
            read_lock_ = std::shared_lock(shared_.mutex);
            state_ = &shared_.state;
        }
        const bool writable = mode == TransactionMode::write;
        customers_.emplace(*state_, writable);
        credentials_.emplace(*state_, writable);
        deletion_tokens_.emplace(*state_, writable);
        outbox_.emplace(*state_, writable);
        audit_.emplace(*state_, writable);
    }

    CustomerRepository& customers() override { return *customers_; }
    CredentialRepository& credentials() override { return *credentials_; }
    DeletionTokenRepository& deletion_tokens() override { return *deletion_tokens_; }
    Outbox& outbox() override { return *outbox_; }
    AuditLog& audit() override { return *audit_; }

    void commit() override {
        if (committed_) throw std::logic_error("transaction committed twice");
        committed_ = true;
        // Swapping (not moving) keeps the repositories pointing at a live object.
        if (draft_) std::swap(shared_.state, *draft_);
    }

private:
    Shared& shared_;
    std::unique_lock<std::shared_mutex> write_lock_;
    std::shared_lock<std::shared_mutex> read_lock_;
    std::optional<State> draft_;
    State* state_ = nullptr;
    bool committed_ = false;
    std::optional<Customers> customers_;
    std::optional<Credentials> credentials_;
    std::optional<DeletionTokens> deletion_tokens_;
    std::optional<MemoryOutbox> outbox_;
    std::optional<MemoryAudit> audit_;
};

MemoryStore::MemoryStore() : shared_(std::make_unique<Shared>()) {}
MemoryStore::~MemoryStore() = default;

std::unique_ptr<Transaction> MemoryStore::begin(TransactionMode mode) {
    return std::make_unique<Tx>(*shared_, mode);
}

}  // namespace jambo::memory
