#pragma once
/// Helpers for the Store contract suite: the per-test fixture, deterministic test data, and
/// Catch2 printers for the domain types. Usable without the suite itself.

#include <jambo/core/customer.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/token.hpp>
#include <jambo/core/ulid.hpp>

#ifndef CATCH_CONFIG_ENABLE_OPTIONAL_STRINGMAKER
#define CATCH_CONFIG_ENABLE_OPTIONAL_STRINGMAKER
#endif
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace jambo::contract {

namespace core = jambo::core;

/// One fresh store per test case. `Factory` has a cheap default constructor (Catch2 also
/// default-constructs it once while registering the tests) and
/// `std::unique_ptr<core::Store> make()`, called once per test; the factory outlives the
/// store it made, so it can own a temporary directory.
template <typename Factory>
class StoreFixture {
public:
    StoreFixture() : store_(factory_.make()) {}
    StoreFixture(const StoreFixture&) = delete;
    StoreFixture& operator=(const StoreFixture&) = delete;

    [[nodiscard]] core::Store& store() { return *store_; }

private:
    Factory factory_;
    std::unique_ptr<core::Store> store_;
};

inline constexpr std::int64_t epoch_ms = 1'700'000'000'000;

/// A moment `ms` milliseconds after a fixed epoch.
inline core::TimePoint at(std::int64_t ms) {
    return core::TimePoint{std::chrono::milliseconds{epoch_ms + ms}};
}

/// Distinct ulids that sort like `n`.
inline core::Ulid ulid(std::uint64_t n) {
    core::Ulid::Bytes bytes{};
    for (std::size_t i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(epoch_ms >> (8 * (5 - i)));
    for (std::size_t i = 0; i < 8; ++i) bytes[8 + i] = static_cast<std::uint8_t>(n >> (8 * (7 - i)));
    return core::Ulid{bytes};
}

/// Distinct token hashes.
inline core::TokenHash token_hash(std::uint64_t n) {
    core::TokenHash hash{};
    for (std::size_t i = 0; i < hash.size(); ++i) hash[i] = static_cast<std::uint8_t>(0xA5 ^ i);
    for (std::size_t i = 0; i < 8; ++i) hash[i] = static_cast<std::uint8_t>(n >> (8 * i));
    return hash;
}

inline std::string digits(std::uint64_t n, std::size_t width) {
    std::string out = std::to_string(n);
    return out.size() >= width ? out : std::string(width - out.size(), '0') + out;
}

/// Customer number `n`: a valid, normalised record with its own email and phone number.
inline core::Customer customer(std::uint64_t n) {
    using namespace std::chrono;
    const auto s = std::to_string(n);
    return core::Customer{
        ulid(n),
        "First" + s,
        "Last" + s,
        n % 2 == 0 ? "" : "Middle" + s,
        n % 3 == 0 ? "KE" : "LS",
        year_month_day{year{1950 + static_cast<int>(n % 50)}, month{1 + static_cast<unsigned>(n % 12)},
                       day{1 + static_cast<unsigned>(n % 28)}},
        "customer" + s + "@example.org",
        "2547" + digits(n, 8)};
}

inline core::StaffAccount staff(std::uint64_t n) {
    const auto s = std::to_string(n);
    return core::StaffAccount{ulid(1'000'000 + n), "Staff" + s + "@example.org", "Staff " + s,
                              at(static_cast<std::int64_t>(n))};
}

inline core::Credential credential(std::uint64_t n, core::Role role, const core::Ulid& subject) {
    return core::Credential{token_hash(n), core::Principal{role, subject}, at(static_cast<std::int64_t>(n)),
                            false};
}

inline core::DeletionTokenRecord deletion_token(std::uint64_t n, const core::Customer& owner,
                                                core::TimePoint created,
                                                std::chrono::milliseconds ttl = std::chrono::hours{1}) {
    return core::DeletionTokenRecord{token_hash(n), owner.ulid,    token_hash(n + 1'000'000),
                                     created,       created + ttl, false};
}

inline core::OutboxMessage message(std::optional<core::Ulid> customer, std::string recipient,
                                   core::TimePoint created, core::TimePoint due) {
    core::OutboxMessage out;
    out.customer = customer;
    out.recipient = std::move(recipient);
    out.subject = "Confirm the deletion of your data";
    out.body = "Follow https://app.example/api/customer/secret/delete/confirm";
    out.created_at = created;
    out.next_attempt_at = due;
    return out;
}

/// Runs `work` in a transaction of `mode` and commits it, as the use cases end every
/// transaction, reads too; returns what `work` returns.
template <typename Work>
auto in_committed(core::Store& store, core::TransactionMode mode, Work&& work) {
    auto tx = store.begin(mode);
    if constexpr (std::is_void_v<std::invoke_result_t<Work&, core::Transaction&>>) {
        work(*tx);
        tx->commit();
    } else {
        auto result = work(*tx);
        tx->commit();
        return result;
    }
}

template <typename Work>
auto committed(core::Store& store, Work&& work) {
    return in_committed(store, core::TransactionMode::write, std::forward<Work>(work));
}

template <typename Work>
auto reading(core::Store& store, Work&& work) {
    return in_committed(store, core::TransactionMode::read, std::forward<Work>(work));
}

inline void insert_customers(core::Store& store, const std::vector<std::uint64_t>& numbers) {
    committed(store, [&](core::Transaction& tx) {
        for (const auto n : numbers) REQUIRE(tx.customers().insert(customer(n)).has_value());
    });
}

/// For worker threads, where Catch2 assertions must not run: throws when the insert is refused.
inline void insert_customer_or_throw(core::Store& store, std::uint64_t n) {
    auto tx = store.begin(core::TransactionMode::write);
    if (!tx->customers().insert(customer(n)))
        throw std::runtime_error("insert refused: " + std::to_string(n));
    tx->commit();
}

inline std::vector<core::Customer> all_customers(core::Store& store) {
    return reading(store, [](core::Transaction& tx) { return tx.customers().page(0, 1'000'000); });
}

/// Collects the first exception thrown on a worker thread; Catch2 assertions are not
/// thread-safe, so workers record and the test thread asserts.
class ThreadFailures {
public:
    template <typename Work>
    void run(Work&& work) noexcept {
        try {
            work();
        } catch (...) {
            std::scoped_lock lock(mutex_);
            if (!first_) first_ = std::current_exception();
        }
    }
    /// Rethrows the first failure on the calling (test) thread.
    void rethrow() {
        if (first_) std::rethrow_exception(first_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr first_;
};

/// Runs work(t) for t = 0 .. threads - 1, each on a thread of its own, waits for all of
/// them, and rethrows the first failure on the calling (test) thread.
template <typename Work>
void on_threads(std::uint64_t threads, Work work) {
    ThreadFailures failures;
    std::vector<std::thread> workers;
    workers.reserve(threads);
    for (std::uint64_t t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] { failures.run([&] { work(t); }); });
    }
    for (auto& worker : workers) worker.join();
    failures.rethrow();
}

/// run_write's callers: each keeps, drops or fails its own work.
namespace run_write_test {

/// What a caller's work throws on purpose, carrying the caller's number.
struct Refused : std::runtime_error {
    explicit Refused(std::uint64_t n) : std::runtime_error("refused " + std::to_string(n)), number(n) {}
    std::uint64_t number;
};

enum class Outcome { keep, drop, fail };

/// For work given to run_write, which may run on another thread, where Catch2 must not assert.
inline void must(bool condition, const char* what) {
    if (!condition) throw std::runtime_error(what);
}

inline Outcome outcome_of(std::uint64_t n) { return n % 3 == 0 ? Outcome::keep : n % 3 == 1 ? Outcome::drop : Outcome::fail; }

/// How a test hands work to the store: run_write, or submit_write and wait for its `done`.
enum class Via { run_write, submit_write };

/// Runs `work` through the store as `via` says; returns or throws as run_write would.
inline void write_via(core::Store& store, Via via, const std::function<bool(core::Transaction&)>& work) {
    if (via == Via::run_write) return store.run_write(work);
    std::promise<std::exception_ptr> done;
    auto finished = done.get_future();
    store.submit_write(work, [&done](std::exception_ptr failure) { done.set_value(std::move(failure)); });
    if (auto failure = finished.get()) std::rethrow_exception(failure);
}

/// Inserts customer n (and a credential for it), then keeps, drops or throws as outcome_of(n)
/// says. Throws std::runtime_error on the calling thread if the store answers otherwise.
inline void write_one(core::Store& store, std::uint64_t n, Via via = Via::run_write) {
    const auto outcome = outcome_of(n);
    try {
        write_via(store, via, [&](core::Transaction& tx) {
            if (!tx.customers().insert(customer(n))) throw std::runtime_error("insert refused");
            tx.credentials().insert(core::Credential{token_hash(n), {core::Role::customer, ulid(n)}, at(0), false});
            if (outcome == Outcome::fail) throw Refused(n);
            return outcome == Outcome::keep;
        });
    } catch (const Refused& refused) {
        if (outcome != Outcome::fail || refused.number != n) {
            throw std::runtime_error("caller " + std::to_string(n) + " got " + refused.what());
        }
        return;
    }
    if (outcome == Outcome::fail) throw std::runtime_error("caller " + std::to_string(n) + " got no exception");
    // Returned means committed: a transaction begun now sees it.
    auto tx = store.begin(core::TransactionMode::read);
    if (tx->customers().find(ulid(n)).has_value() != (outcome == Outcome::keep)) {
        throw std::runtime_error("caller " + std::to_string(n) + " returned but its write is not as it left it");
    }
}

}  // namespace run_write_test

}  // namespace jambo::contract

namespace Catch {

template <>
struct StringMaker<jambo::core::Ulid> {
    static std::string convert(const jambo::core::Ulid& value) { return value.to_string(); }
};

template <>
struct StringMaker<jambo::core::TimePoint> {
    static std::string convert(const jambo::core::TimePoint& value) {
        return "t" + std::to_string(value.time_since_epoch().count() - jambo::contract::epoch_ms);
    }
};

template <>
struct StringMaker<jambo::core::UniqueField> {
    static std::string convert(jambo::core::UniqueField value) {
        return value == jambo::core::UniqueField::email ? "email" : "phone_number";
    }
};

template <>
struct StringMaker<jambo::core::Customer> {
    static std::string convert(const jambo::core::Customer& c) {
        return "{" + c.ulid.to_string() + " " + c.first_name + " " + c.last_name + " " + c.middle_name + " " +
               c.nationality + " " + c.dob_text() + " " + c.email + " " + c.phone_number + "}";
    }
};

template <>
struct StringMaker<jambo::core::OutboxMessage> {
    static std::string convert(const jambo::core::OutboxMessage& m) {
        return "{id " + std::to_string(m.id) + " to " + m.recipient + " due " +
               StringMaker<jambo::core::TimePoint>::convert(m.next_attempt_at) + " attempts " +
               std::to_string(m.attempts) + "}";
    }
};

template <>
struct StringMaker<jambo::core::AuditEntry> {
    static std::string convert(const jambo::core::AuditEntry& e) {
        return "{id " + std::to_string(e.id) + " " + e.event + " " + e.subject + " " + e.detail + "}";
    }
};

}  // namespace Catch
