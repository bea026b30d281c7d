#pragma once
// A toy jambo::core::Store: what plugging your own persistence into Jambo takes.
//
// Its tables are std::maps in memory; what it shows is the shape of a transaction, which is
// the same for any database. A change is made in place at once and the transaction notes how
// to undo it. commit() keeps the changes by forgetting those notes; a transaction destroyed
// without commit() replays them backwards, which is rollback.
//
// It is simple on purpose, not fast: one transaction at a time (one mutex, readers included,
// so nobody ever sees another transaction's uncommitted work), and scans where a database
// would use an index. The contract suite (contract_test.cpp) is what shows it is nonetheless
// a Store the core can rely on.

#include <jambo/core/ports/store.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace toy {

using namespace jambo::core;

// Every table, keyed by what the port looks rows up by. A std::map keeps the customers in
// ulid order, which page() and after() promise.
struct Tables {
    std::map<Ulid, Customer> customers;
    std::map<TokenHash, Credential> credentials;
    std::map<Ulid, StaffAccount> staff;
    std::map<TokenHash, DeletionTokenRecord> deletion_tokens;
    std::map<std::int64_t, OutboxMessage> outbox;
    std::map<std::int64_t, AuditEntry> audit;
    // Like a database sequence: a rolled-back transaction does not give its ids back, so an
    // id is never handed out twice.
    std::int64_t last_id = 0;
};

// What one transaction has changed and how to put it back. Every write goes through here.
class UndoLog {
public:
    UndoLog(Tables& all, bool writable) : tables(all), writable_(writable) {}

    Tables& tables;

    // Call before changing row `key` of `table`: refuses the write in a read transaction (a
    // bug in the caller, hence std::logic_error) and records the row as it is now.
    template <typename Table>
    void save(Table& table, const typename Table::key_type& key) {
        if (!writable_) throw std::logic_error("write in a read or finished transaction");
        if (const auto row = table.find(key); row != table.end()) {
            undo_.push_back([&table, key, old = row->second] { table.insert_or_assign(key, old); });
        } else {
            undo_.push_back([&table, key] { table.erase(key); });
        }
    }

    template <typename Table>
    bool erase(Table& table, const typename Table::key_type& key) {
        if (!table.contains(key)) return false;
        save(table, key);
        table.erase(key);
        return true;
    }

    // Erases the rows whose value satisfies `doomed`; returns how many.
    template <typename Table, typename Predicate>
    std::uint64_t erase_if(Table& table, Predicate doomed) {
        std::vector<typename Table::key_type> keys;
        for (const auto& [key, row] : table) {
            if (doomed(row)) keys.push_back(key);
        }
        for (const auto& key : keys) erase(table, key);
        return keys.size();
    }

    // Adds `row` under the next id (outbox messages and audit entries are numbered in the
    // order they were written); returns that id.
    template <typename Table>
    std::int64_t append(Table& table, typename Table::mapped_type row) {
        if (!writable_) throw std::logic_error("write in a read or finished transaction");
        const std::int64_t id = row.id = ++tables.last_id;
        save(table, id);
        table.emplace(id, std::move(row));
        return id;
    }

    // commit(): the changes stay, and the transaction takes no more.
    void keep() {
        undo_.clear();
        writable_ = false;
    }
    // Destruction without commit(): newest change first, so each row ends as it began.
    void roll_back() {
        for (auto undo = undo_.rbegin(); undo != undo_.rend(); ++undo) (*undo)();
        undo_.clear();
    }

private:
    bool writable_;
    std::vector<std::function<void()>> undo_;
};

template <typename Table>
auto lookup(const Table& table, const typename Table::key_type& key) {
    const auto row = table.find(key);
    return row == table.end() ? std::nullopt : std::optional(row->second);
}

inline std::string lower(std::string text) {
    for (char& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return text;
}

class Customers final : public CustomerRepository {
public:
    explicit Customers(UndoLog& log) : log_(log), rows_(log.tables.customers) {}

    std::optional<Customer> find(const Ulid& ulid) override { return lookup(rows_, ulid); }
    bool email_taken(const std::string& email_key, const std::optional<Ulid>& except) override {
        return held_by_other(except, [&](const Customer& c) { return c.email_key() == email_key; });
    }
    bool phone_taken(const std::string& phone, const std::optional<Ulid>& except) override {
        return held_by_other(except, [&](const Customer& c) { return c.phone_number == phone; });
    }
    // The unique constraints: a clash is an expected outcome, reported as a value.
    std::expected<void, UniqueField> insert(const Customer& customer) override { return put(customer); }
    std::expected<void, UniqueField> update(const Customer& customer) override { return put(customer); }
    // Also what a database does with ON DELETE CASCADE: the customer's tokens and mail go too.
    bool remove(const Ulid& ulid) override {
        if (!log_.erase(rows_, ulid)) return false;
        log_.erase_if(log_.tables.credentials, [&](const Credential& c) {
            return c.principal.role == Role::customer && c.principal.subject == ulid;
        });
        log_.erase_if(log_.tables.deletion_tokens, [&](const DeletionTokenRecord& t) { return t.customer == ulid; });
        log_.erase_if(log_.tables.outbox, [&](const OutboxMessage& m) { return m.customer == ulid; });
        return true;
    }
    std::uint64_t count() override { return rows_.size(); }
    std::vector<Customer> page(std::uint64_t offset, std::uint32_t limit) override {
        auto row = rows_.begin();
        for (; offset > 0 && row != rows_.end(); --offset) ++row;
        return take(row, limit);
    }
    std::vector<Customer> after(const Ulid& after, std::uint32_t limit) override {
        return take(rows_.upper_bound(after), limit);
    }

private:
    UndoLog& log_;
    std::map<Ulid, Customer>& rows_;

    template <typename Matches>
    bool held_by_other(const std::optional<Ulid>& except, Matches matches) const {
        return std::ranges::any_of(rows_, [&](const auto& row) { return row.first != except && matches(row.second); });
    }
    std::expected<void, UniqueField> put(const Customer& customer) {
        if (email_taken(customer.email_key(), customer.ulid)) return std::unexpected(UniqueField::email);
        if (phone_taken(customer.phone_number, customer.ulid)) return std::unexpected(UniqueField::phone_number);
        log_.save(rows_, customer.ulid);
        rows_.insert_or_assign(customer.ulid, customer);
        return {};
    }
    std::vector<Customer> take(std::map<Ulid, Customer>::iterator row, std::uint32_t limit) const {
        std::vector<Customer> out;
        for (; row != rows_.end() && out.size() < limit; ++row) out.push_back(row->second);
        return out;
    }
};

// Not "Credentials": that is core::Credentials, what a caller presents, which this would hide.
class CredentialTable final : public CredentialRepository {
public:
    explicit CredentialTable(UndoLog& log) : log_(log), t_(log.tables) {}

    void insert(const Credential& credential) override {
        log_.save(t_.credentials, credential.hash);
        t_.credentials.insert_or_assign(credential.hash, credential);
    }
    std::optional<Credential> find(const TokenHash& hash) override { return lookup(t_.credentials, hash); }
    bool revoke(const TokenHash& hash) override {
        const auto row = t_.credentials.find(hash);
        if (row == t_.credentials.end() || row->second.revoked) return false;
        log_.save(t_.credentials, hash);
        row->second.revoked = true;
        return true;
    }
    std::vector<TokenHash> revoked() override {
        std::vector<TokenHash> out;
        for (const auto& [hash, credential] : t_.credentials) {
            if (credential.revoked) out.push_back(hash);
        }
        return out;
    }
    std::vector<TokenHash> revoke_all(const Principal& principal) override {
        std::vector<TokenHash> out;
        for (auto& [hash, credential] : t_.credentials) {
            if (credential.principal != principal || credential.revoked) continue;
            log_.save(t_.credentials, hash);
            credential.revoked = true;
            out.push_back(hash);
        }
        return out;
    }
    void add_staff(const StaffAccount& staff) override {
        log_.save(t_.staff, staff.id);
        t_.staff.insert_or_assign(staff.id, staff);
    }
    std::optional<StaffAccount> staff_by_email(const std::string& email_key) override {
        for (const auto& [id, staff] : t_.staff) {
            if (lower(staff.email) == email_key) return staff;
        }
        return std::nullopt;
    }
    std::optional<StaffAccount> staff_by_id(const Ulid& id) override { return lookup(t_.staff, id); }
    std::vector<StaffAccount> all_staff() override {
        std::vector<StaffAccount> out;
        for (const auto& [id, staff] : t_.staff) out.push_back(staff);
        return out;
    }

private:
    UndoLog& log_;
    Tables& t_;
};

class DeletionTokens final : public DeletionTokenRepository {
public:
    explicit DeletionTokens(UndoLog& log) : log_(log), rows_(log.tables.deletion_tokens) {}

    void insert(const DeletionTokenRecord& record) override {
        log_.save(rows_, record.hash);
        rows_.insert_or_assign(record.hash, record);
    }
    std::optional<DeletionTokenRecord> find(const TokenHash& hash) override { return lookup(rows_, hash); }
    // Only one of two concurrent confirmations may win: the transaction lock sees to that.
    bool consume(const TokenHash& hash) override {
        const auto row = rows_.find(hash);
        if (row == rows_.end() || row->second.used) return false;
        log_.save(rows_, hash);
        row->second.used = true;
        return true;
    }
    std::vector<TimePoint> issued_since(const Ulid& customer, TimePoint since) override {
        std::vector<TimePoint> out;
        for (const auto& [hash, token] : rows_) {
            if (token.customer == customer && token.created_at >= since) out.push_back(token.created_at);
        }
        std::ranges::sort(out);
        return out;
    }
    std::uint64_t purge_expired(TimePoint cutoff) override {
        return log_.erase_if(rows_, [&](const DeletionTokenRecord& token) { return token.expires_at < cutoff; });
    }

private:
    UndoLog& log_;
    std::map<TokenHash, DeletionTokenRecord>& rows_;
};

class Mail final : public Outbox {
public:
    explicit Mail(UndoLog& log) : log_(log), rows_(log.tables.outbox) {}

    std::int64_t enqueue(const OutboxMessage& message) override { return log_.append(rows_, message); }
    std::vector<OutboxMessage> due(TimePoint now, std::uint32_t limit) override {
        std::vector<OutboxMessage> out;
        for (const auto& [id, message] : rows_) {
            if (message.next_attempt_at <= now) out.push_back(message);
        }
        std::ranges::sort(out, {}, [](const OutboxMessage& m) { return std::pair(m.next_attempt_at, m.id); });
        if (out.size() > limit) out.resize(limit);
        return out;
    }
    bool reschedule(std::int64_t id, TimePoint next_attempt_at, std::uint32_t attempts,
                    const std::string& last_error) override {
        const auto row = rows_.find(id);
        if (row == rows_.end()) return false;
        log_.save(rows_, id);
        row->second.next_attempt_at = next_attempt_at;
        row->second.attempts = attempts;
        row->second.last_error = last_error;
        return true;
    }
    bool remove(std::int64_t id) override { return log_.erase(rows_, id); }
    std::vector<OutboxMessage> queued_for(const Ulid& customer) override {
        std::vector<OutboxMessage> out;
        for (const auto& [id, message] : rows_) {  // a map: in id order
            if (message.customer == customer) out.push_back(message);
        }
        return out;
    }
    std::uint64_t depth() override { return rows_.size(); }
    std::optional<TimePoint> oldest() override { return earliest(&OutboxMessage::created_at); }
    std::optional<TimePoint> next_due() override { return earliest(&OutboxMessage::next_attempt_at); }

private:
    UndoLog& log_;
    std::map<std::int64_t, OutboxMessage>& rows_;

    std::optional<TimePoint> earliest(TimePoint OutboxMessage::*when) const {
        std::optional<TimePoint> out;
        for (const auto& [id, message] : rows_) out = std::min(out.value_or(message.*when), message.*when);
        return out;
    }
};

class Audit final : public AuditLog {
public:
    explicit Audit(UndoLog& log) : log_(log), rows_(log.tables.audit) {}

    std::int64_t append(const AuditEntry& entry) override { return log_.append(rows_, entry); }
    std::vector<AuditEntry> latest(std::uint32_t limit) override {
        std::vector<AuditEntry> out;
        for (auto row = rows_.rbegin(); row != rows_.rend() && out.size() < limit; ++row) out.push_back(row->second);
        return out;
    }
    std::vector<AuditEntry> entries_of(std::string_view event, TimePoint since) override {
        std::vector<AuditEntry> out;
        for (const auto& [id, entry] : rows_) {
            if (entry.event == event && entry.at >= since) out.push_back(entry);
        }
        return out;
    }

private:
    UndoLog& log_;
    std::map<std::int64_t, AuditEntry>& rows_;
};

class UndoLogTransaction final : public Transaction {
public:
    UndoLogTransaction(std::mutex& mutex, Tables& tables, TransactionMode mode)
        : lock_(mutex), log_(tables, mode == TransactionMode::write) {}
    ~UndoLogTransaction() override { log_.roll_back(); }  // nothing left to undo after commit()

    CustomerRepository& customers() override { return customers_; }
    CredentialRepository& credentials() override { return credentials_; }
    DeletionTokenRepository& deletion_tokens() override { return deletion_tokens_; }
    Outbox& outbox() override { return outbox_; }
    AuditLog& audit() override { return audit_; }

    // A real store makes the changes durable here (and throws if it cannot); this one only
    // has to keep them. Committing twice is a caller's bug, as Store::run_write relies on.
    void commit() override {
        if (committed_) throw std::logic_error("transaction committed twice");
        committed_ = true;
        log_.keep();
    }

private:
    std::unique_lock<std::mutex> lock_;  // declared first: released last, after any rollback
    UndoLog log_;
    bool committed_ = false;
    Customers customers_{log_};
    CredentialTable credentials_{log_};
    DeletionTokens deletion_tokens_{log_};
    Mail outbox_{log_};
    Audit audit_{log_};
};

class UndoLogStore final : public Store {
public:
    // Safe from any thread: each transaction waits for the one before it to end. The default
    // Store::run_write (begin(write), then commit()) is all this store needs.
    std::unique_ptr<Transaction> begin(TransactionMode mode) override {
        return std::make_unique<UndoLogTransaction>(mutex_, tables_, mode);
    }
    bool healthy() override { return true; }

private:
    std::mutex mutex_;
    Tables tables_;
};

}  // namespace toy
