#include <jambo/memory/memory_store.hpp>

#include <algorithm>
#include <map>
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

// Everything the store holds. Copyable on purpose: a write transaction works on a copy.
struct State {
    std::map<Ulid, Customer> customers;
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
    explicit Customers(State& state) : s_(state) {}

    std::optional<Customer> find(const Ulid& ulid) override {
        const auto it = s_.customers.find(ulid);
        return it == s_.customers.end() ? std::nullopt : std::optional(it->second);
    }
    bool email_taken(const std::string& email_key, const std::optional<Ulid>& except) override {
        return holder([&](const Customer& c) { return c.email_key() == email_key; }, except);
    }
    bool phone_taken(const std::string& phone, const std::optional<Ulid>& except) override {
        return holder([&](const Customer& c) { return c.phone_number == phone; }, except);
    }
    std::expected<void, UniqueField> insert(const Customer& customer) override {
        if (auto clash = collision(customer)) return std::unexpected(*clash);
        s_.customers.emplace(customer.ulid, customer);
        return {};
    }
    std::expected<void, UniqueField> update(const Customer& customer) override {
        if (auto clash = collision(customer)) return std::unexpected(*clash);
        s_.customers[customer.ulid] = customer;
        return {};
    }
    bool remove(const Ulid& ulid) override {
        if (s_.customers.erase(ulid) == 0) return false;
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

    template <typename Match>
    bool holder(Match match, const std::optional<Ulid>& except) const {
        return std::ranges::any_of(s_.customers, [&](const auto& kv) {
            return (!except || kv.first != *except) && match(kv.second);
        });
    }
    std::optional<UniqueField> collision(const Customer& customer) const {
        if (holder([&](const Customer& c) { return c.email_key() == customer.email_key(); }, customer.ulid)) {
            return UniqueField::email;
        }
        if (holder([&](const Customer& c) { return c.phone_number == customer.phone_number; }, customer.ulid)) {
            return UniqueField::phone_number;
        }
        return std::nullopt;
    }
};

class Credentials final : public CredentialRepository {
public:
    explicit Credentials(State& state) : s_(state) {}

    void insert(const Credential& credential) override { s_.credentials[credential.hash] = credential; }
    std::optional<Credential> find(const TokenHash& hash) override {
        const auto it = s_.credentials.find(hash);
        return it == s_.credentials.end() ? std::nullopt : std::optional(it->second);
    }
    bool revoke(const TokenHash& hash) override {
        const auto it = s_.credentials.find(hash);
        if (it == s_.credentials.end() || it->second.revoked) return false;
        it->second.revoked = true;
        return true;
    }
    void add_staff(const StaffAccount& staff) override { s_.staff[staff.id] = staff; }
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
};

class DeletionTokens final : public DeletionTokenRepository {
public:
    explicit DeletionTokens(State& state) : s_(state) {}

    void insert(const DeletionTokenRecord& record) override { s_.deletion_tokens[record.hash] = record; }
    std::optional<DeletionTokenRecord> find(const TokenHash& hash) override {
        const auto it = s_.deletion_tokens.find(hash);
        return it == s_.deletion_tokens.end() ? std::nullopt : std::optional(it->second);
    }
    bool consume(const TokenHash& hash) override {
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
        return std::erase_if(s_.deletion_tokens, [&](const auto& kv) { return kv.second.expires_at < cutoff; });
    }

private:
    State& s_;
};

class MemoryOutbox final : public Outbox {
public:
    explicit MemoryOutbox(State& state) : s_(state) {}

    std::int64_t enqueue(const OutboxMessage& message) override {
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
        const auto it = s_.outbox.find(id);
        if (it == s_.outbox.end()) return false;
        it->second.next_attempt_at = next_attempt_at;
        it->second.attempts = attempts;
        it->second.last_error = last_error;
        return true;
    }
    bool remove(std::int64_t id) override { return s_.outbox.erase(id) == 1; }
    std::uint64_t depth() override { return s_.outbox.size(); }
    std::optional<TimePoint> oldest() override { return earliest(&OutboxMessage::created_at); }
    std::optional<TimePoint> next_due() override { return earliest(&OutboxMessage::next_attempt_at); }

private:
    State& s_;

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
    explicit MemoryAudit(State& state) : s_(state) {}

    std::int64_t append(const AuditEntry& entry) override {
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

private:
    State& s_;
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
        customers_.emplace(*state_);
        credentials_.emplace(*state_);
        deletion_tokens_.emplace(*state_);
        outbox_.emplace(*state_);
        audit_.emplace(*state_);
    }

    CustomerRepository& customers() override { return *customers_; }
    CredentialRepository& credentials() override { return *credentials_; }
    DeletionTokenRepository& deletion_tokens() override { return *deletion_tokens_; }
    Outbox& outbox() override { return *outbox_; }
    AuditLog& audit() override { return *audit_; }

    void commit() override {
        // Swapping (not moving) keeps the repositories pointing at a live object.
        if (draft_) std::swap(shared_.state, *draft_);
    }

private:
    Shared& shared_;
    std::unique_lock<std::shared_mutex> write_lock_;
    std::shared_lock<std::shared_mutex> read_lock_;
    std::optional<State> draft_;
    State* state_ = nullptr;
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
