#pragma once
/// The Store port's contract as Catch2 (v2) test cases, written once and run against every
/// store. To run it against a store, in exactly one translation unit of a Catch2 program
/// (link jambo::store_contract; examples/custom-store is a whole program):
///
///     struct MyStore {                                  // a factory; see StoreFixture
///         std::unique_ptr<jambo::core::Store> make();
///     };
///     #define JAMBO_CONTRACT_STORES MyStore             // comma-separated factories
///     #include <jambo/testing/store_contract.hpp>
///
/// Each test is registered once per factory, named "<behaviour> - <factory>" and tagged
/// [contract]. The tests only use the port, never a store's internals.

#ifndef JAMBO_CONTRACT_STORES
#error "define JAMBO_CONTRACT_STORES (the store factories to test) before including jambo/testing/store_contract.hpp"
#endif

#include "store_contract_support.hpp"

#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>

#include <algorithm>
#include <atomic>
#include <latch>
#include <numeric>
#include <random>
#include <span>
#include <thread>

#define JAMBO_STORE_CONTRACT(name, tags) \
    TEMPLATE_TEST_CASE_METHOD(::jambo::contract::StoreFixture, name, "[contract]" tags, JAMBO_CONTRACT_STORES)

namespace jambo::contract {

using core::Role;
using core::TransactionMode;
using core::UniqueField;
using namespace std::chrono_literals;

/// Everything the port lets a caller observe about the data the rollback test touches.
struct Observed {
    std::vector<core::Customer> customers;
    std::uint64_t count = 0;
    std::vector<std::optional<core::Credential>> credentials;
    std::vector<core::StaffAccount> staff;
    std::vector<std::optional<core::DeletionTokenRecord>> deletion_tokens;
    std::vector<core::TimePoint> issued;
    std::vector<core::OutboxMessage> outbox;
    std::uint64_t depth = 0;
    std::optional<core::TimePoint> oldest;
    std::optional<core::TimePoint> next_due;
    std::vector<core::AuditEntry> audit;
};

inline Observed observe(core::Store& store, const std::vector<std::uint64_t>& hashes,
                        const std::vector<std::uint64_t>& owners) {
    return reading(store, [&](core::Transaction& tx) {
        Observed seen;
        seen.customers = tx.customers().page(0, 1000);
        seen.count = tx.customers().count();
        for (const auto n : hashes) {
            seen.credentials.push_back(tx.credentials().find(token_hash(n)));
            seen.deletion_tokens.push_back(tx.deletion_tokens().find(token_hash(n)));
        }
        seen.staff = tx.credentials().all_staff();
        for (const auto n : owners) {
            const auto times = tx.deletion_tokens().issued_since(ulid(n), at(-1'000'000));
            seen.issued.insert(seen.issued.end(), times.begin(), times.end());
        }
        seen.outbox = tx.outbox().due(at(1'000'000'000), 1000);
        seen.depth = tx.outbox().depth();
        seen.oldest = tx.outbox().oldest();
        seen.next_due = tx.outbox().next_due();
        seen.audit = tx.audit().latest(1000);
        return seen;
    });
}

inline void require_same(const Observed& before, const Observed& after) {
    CHECK(after.customers == before.customers);
    CHECK(after.count == before.count);
    CHECK((after.credentials == before.credentials));
    CHECK((after.staff == before.staff));
    CHECK((after.deletion_tokens == before.deletion_tokens));
    CHECK(after.issued == before.issued);
    CHECK(after.outbox == before.outbox);
    CHECK(after.depth == before.depth);
    CHECK(after.oldest == before.oldest);
    CHECK(after.next_due == before.next_due);
    CHECK(after.audit == before.audit);
}

}  // namespace jambo::contract

// ---------------------------------------------------------------------------------- customers

JAMBO_STORE_CONTRACT("an inserted customer is found by its ulid and an unknown ulid is not", "[customers]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    reading(this->store(), [](core::Transaction& tx) {
        CHECK(tx.customers().find(ulid(1)) == customer(1));
        CHECK_FALSE(tx.customers().find(ulid(2)).has_value());
    });
}

JAMBO_STORE_CONTRACT("a customer is visible to its own transaction before commit", "[customers]") {
    using namespace jambo::contract;
    auto tx = this->store().begin(TransactionMode::write);
    REQUIRE(tx->customers().insert(customer(1)).has_value());
    CHECK(tx->customers().find(ulid(1)) == customer(1));
    CHECK(tx->customers().count() == 1);
    CHECK(tx->customers().email_taken(customer(1).email_key(), std::nullopt));
}

JAMBO_STORE_CONTRACT("email_taken compares emails case-insensitively and can exclude one customer",
                     "[customers]") {
    using namespace jambo::contract;
    auto first = customer(1);
    first.email = "Alice.Smith@example.org";
    committed(this->store(),
              [&](core::Transaction& tx) { REQUIRE(tx.customers().insert(first).has_value()); });
    reading(this->store(), [](core::Transaction& tx) {
        auto& customers = tx.customers();
        CHECK(customers.email_taken("alice.smith@example.org", std::nullopt));
        CHECK(customers.email_taken("alice.smith@example.org", ulid(2)));
        CHECK_FALSE(customers.email_taken("alice.smith@example.org", ulid(1)));
        CHECK_FALSE(customers.email_taken("alice.smith@example.com", std::nullopt));
        CHECK_FALSE(customers.email_taken("smith@example.org", std::nullopt));
    });
}

JAMBO_STORE_CONTRACT("phone_taken finds the holder of a number and can exclude one customer", "[customers]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    reading(this->store(), [](core::Transaction& tx) {
        auto& customers = tx.customers();
        CHECK(customers.phone_taken(customer(1).phone_number, std::nullopt));
        CHECK(customers.phone_taken(customer(1).phone_number, ulid(2)));
        CHECK_FALSE(customers.phone_taken(customer(1).phone_number, ulid(1)));
        CHECK_FALSE(customers.phone_taken(customer(2).phone_number, std::nullopt));
    });
}

JAMBO_STORE_CONTRACT("insert refuses an email another customer holds in any letter case",
                     "[customers][conflict]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    auto clash = customer(2);
    clash.email = "CUSTOMER1@EXAMPLE.ORG";
    committed(this->store(), [&](core::Transaction& tx) {
        const auto result = tx.customers().insert(clash);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == UniqueField::email);
        CHECK_FALSE(tx.customers().find(ulid(2)).has_value());
        CHECK(tx.customers().count() == 1);
    });
    CHECK(all_customers(this->store()) == std::vector{customer(1)});
}

JAMBO_STORE_CONTRACT("insert refuses a phone number another customer holds", "[customers][conflict]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    auto clash = customer(2);
    clash.phone_number = customer(1).phone_number;
    committed(this->store(), [&](core::Transaction& tx) {
        const auto result = tx.customers().insert(clash);
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == UniqueField::phone_number);
        CHECK(tx.customers().count() == 1);
    });
    CHECK(all_customers(this->store()) == std::vector{customer(1)});
}

JAMBO_STORE_CONTRACT("a refused insert leaves the transaction usable", "[customers][conflict]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    auto clash = customer(2);
    clash.email = customer(1).email;
    committed(this->store(), [&](core::Transaction& tx) {
        REQUIRE_FALSE(tx.customers().insert(clash).has_value());
        REQUIRE(tx.customers().insert(customer(3)).has_value());
    });
    CHECK(all_customers(this->store()) == std::vector{customer(1), customer(3)});
}

JAMBO_STORE_CONTRACT("update replaces every field of the customer with that ulid", "[customers]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    auto changed = customer(7);
    changed.ulid = ulid(1);
    committed(this->store(),
              [&](core::Transaction& tx) { REQUIRE(tx.customers().update(changed).has_value()); });
    reading(this->store(), [&](core::Transaction& tx) {
        CHECK(tx.customers().find(ulid(1)) == changed);
        CHECK(tx.customers().find(ulid(2)) == customer(2));
        CHECK(tx.customers().count() == 2);
        CHECK_FALSE(tx.customers().email_taken(customer(1).email_key(), std::nullopt));
        CHECK(tx.customers().email_taken(customer(7).email_key(), std::nullopt));
    });
}

JAMBO_STORE_CONTRACT("update refuses another customer's email or phone but keeps its own",
                     "[customers][conflict]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    committed(this->store(), [](core::Transaction& tx) {
        auto email_clash = customer(1);
        email_clash.email = "Customer2@Example.org";
        const auto by_email = tx.customers().update(email_clash);
        REQUIRE_FALSE(by_email.has_value());
        CHECK(by_email.error() == UniqueField::email);

        auto phone_clash = customer(1);
        phone_clash.phone_number = customer(2).phone_number;
        const auto by_phone = tx.customers().update(phone_clash);
        REQUIRE_FALSE(by_phone.has_value());
        CHECK(by_phone.error() == UniqueField::phone_number);

        auto own = customer(1);
        own.email = "CUSTOMER1@example.org";
        own.first_name = "Renamed";
        REQUIRE(tx.customers().update(own).has_value());
    });
    auto expected = customer(1);
    expected.email = "CUSTOMER1@example.org";
    expected.first_name = "Renamed";
    CHECK(all_customers(this->store()) == std::vector{expected, customer(2)});
}

JAMBO_STORE_CONTRACT("remove deletes the customer once and frees its email and phone", "[customers]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    committed(this->store(), [](core::Transaction& tx) {
        CHECK(tx.customers().remove(ulid(1)));
        CHECK_FALSE(tx.customers().remove(ulid(1)));
        CHECK_FALSE(tx.customers().remove(ulid(9)));
    });
    reading(this->store(), [](core::Transaction& tx) {
        CHECK_FALSE(tx.customers().find(ulid(1)).has_value());
        CHECK_FALSE(tx.customers().email_taken(customer(1).email_key(), std::nullopt));
        CHECK_FALSE(tx.customers().phone_taken(customer(1).phone_number, std::nullopt));
    });
    auto reuse = customer(3);
    reuse.email = customer(1).email;
    reuse.phone_number = customer(1).phone_number;
    committed(this->store(),
              [&](core::Transaction& tx) { REQUIRE(tx.customers().insert(reuse).has_value()); });
    CHECK(all_customers(this->store()) == std::vector{customer(2), reuse});
}

JAMBO_STORE_CONTRACT("count follows inserts, removals and rolled-back transactions", "[customers]") {
    using namespace jambo::contract;
    const auto count = [&] {
        return reading(this->store(), [](core::Transaction& tx) { return tx.customers().count(); });
    };
    CHECK(count() == 0);
    insert_customers(this->store(), {1, 2, 3});
    CHECK(count() == 3);
    {
        auto tx = this->store().begin(TransactionMode::write);
        REQUIRE(tx->customers().insert(customer(4)).has_value());
        CHECK(tx->customers().remove(ulid(1)));
        CHECK(tx->customers().remove(ulid(2)));
        CHECK(tx->customers().count() == 2);
    }
    CHECK(count() == 3);
    committed(this->store(), [](core::Transaction& tx) { CHECK(tx.customers().remove(ulid(2))); });
    CHECK(count() == 2);
    committed(this->store(), [](core::Transaction& tx) { CHECK_FALSE(tx.customers().remove(ulid(2))); });
    CHECK(count() == 2);
}

JAMBO_STORE_CONTRACT("page returns customers in ulid order whatever the insertion order",
                     "[customers][paging]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {5, 1, 4});
    insert_customers(this->store(), {2, 3});
    reading(this->store(), [](core::Transaction& tx) {
        auto& customers = tx.customers();
        CHECK(customers.page(0, 10) ==
              std::vector{customer(1), customer(2), customer(3), customer(4), customer(5)});
        CHECK(customers.page(0, 2) == std::vector{customer(1), customer(2)});
        CHECK(customers.page(2, 2) == std::vector{customer(3), customer(4)});
        CHECK(customers.page(4, 2) == std::vector{customer(5)});
        CHECK(customers.page(5, 2).empty());
        CHECK(customers.page(500, 2).empty());
        CHECK(customers.page(1, 0).empty());
    });
}

JAMBO_STORE_CONTRACT("after returns the customers that follow a ulid, stored or not", "[customers][paging]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {10, 20, 30, 40});
    reading(this->store(), [](core::Transaction& tx) {
        auto& customers = tx.customers();
        CHECK(customers.after(core::Ulid{}, 2) == std::vector{customer(10), customer(20)});
        CHECK(customers.after(ulid(10), 2) == std::vector{customer(20), customer(30)});
        CHECK(customers.after(ulid(25), 10) == std::vector{customer(30), customer(40)});
        CHECK(customers.after(ulid(40), 10).empty());
        CHECK(customers.after(ulid(10), 0).empty());
    });
}

JAMBO_STORE_CONTRACT("page and after follow the ulid order through heavy insertion and removal",
                     "[customers][paging]") {
    using namespace jambo::contract;
    constexpr std::uint64_t total = 1200;
    std::vector<std::uint64_t> numbers(total);
    std::iota(numbers.begin(), numbers.end(), 1);
    std::mt19937 random(20240601);
    std::shuffle(numbers.begin(), numbers.end(), random);
    for (std::size_t i = 0; i < numbers.size(); i += 400) {
        insert_customers(this->store(), {numbers.begin() + static_cast<std::ptrdiff_t>(i),
                                         numbers.begin() + static_cast<std::ptrdiff_t>(i + 400)});
    }
    // Remove a contiguous stretch (whole runs of neighbours) and a scattering elsewhere.
    std::vector<std::uint64_t> removed;
    for (std::uint64_t n = 300; n < 700; ++n) removed.push_back(n);
    for (std::uint64_t n = 3; n <= total; n += 7) {
        if (n < 300 || n >= 700) removed.push_back(n);
    }
    std::shuffle(removed.begin(), removed.end(), random);
    committed(this->store(), [&](core::Transaction& tx) {
        for (const auto n : removed) REQUIRE(tx.customers().remove(ulid(n)));
    });

    std::vector<std::uint64_t> kept;
    for (std::uint64_t n = 1; n <= total; ++n) {
        if (std::find(removed.begin(), removed.end(), n) == removed.end()) kept.push_back(n);
    }
    const auto expected_slice = [&](std::size_t offset, std::size_t limit) {
        std::vector<core::Customer> out;
        for (auto i = offset; i < std::min(kept.size(), offset + limit); ++i)
            out.push_back(customer(kept[i]));
        return out;
    };
    reading(this->store(), [&](core::Transaction& tx) {
        REQUIRE(tx.customers().count() == kept.size());
        for (const std::size_t offset : {0UL, 1UL, 63UL, 64UL, 200UL, 511UL, 512UL, 513UL, 700UL,
                                         kept.size() - 40, kept.size() - 1, kept.size(), kept.size() + 3}) {
            INFO("offset " << offset);
            CHECK(tx.customers().page(offset, 37) == expected_slice(offset, 37));
        }
        for (const std::size_t position : {0UL, 250UL, 600UL, kept.size() - 2}) {
            INFO("after position " << position);
            CHECK(tx.customers().after(ulid(kept[position]), 37) == expected_slice(position + 1, 37));
        }
    });
}

JAMBO_STORE_CONTRACT("removing a customer removes its credentials, deletion tokens and mail and nothing else",
                     "[customers][cascade]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    std::int64_t mail_for_1 = 0;
    std::int64_t mail_for_2 = 0;
    std::int64_t mail_for_nobody = 0;
    committed(this->store(), [&](core::Transaction& tx) {
        tx.credentials().insert(credential(11, Role::customer, ulid(1)));
        tx.credentials().insert(credential(12, Role::customer, ulid(1)));
        tx.credentials().insert(credential(21, Role::customer, ulid(2)));
        tx.credentials().add_staff(staff(1));
        tx.credentials().insert(credential(31, Role::staff, staff(1).id));
        tx.deletion_tokens().insert(deletion_token(41, customer(1), at(0)));
        tx.deletion_tokens().insert(deletion_token(42, customer(2), at(0)));
        mail_for_1 = tx.outbox().enqueue(message(ulid(1), customer(1).email, at(0), at(0)));
        mail_for_2 = tx.outbox().enqueue(message(ulid(2), customer(2).email, at(0), at(0)));
        mail_for_nobody = tx.outbox().enqueue(message(std::nullopt, "ops@example.org", at(0), at(0)));
        tx.audit().append(core::AuditEntry{0, at(0), "token.issued", ulid(1).to_string(), "customer"});
    });
    committed(this->store(), [](core::Transaction& tx) { REQUIRE(tx.customers().remove(ulid(1))); });
    reading(this->store(), [&](core::Transaction& tx) {
        CHECK_FALSE(tx.credentials().find(token_hash(11)).has_value());
        CHECK_FALSE(tx.credentials().find(token_hash(12)).has_value());
        CHECK(tx.credentials().find(token_hash(21)).has_value());
        CHECK(tx.credentials().find(token_hash(31)).has_value());
        CHECK(tx.credentials().staff_by_id(staff(1).id).has_value());
        CHECK_FALSE(tx.deletion_tokens().find(token_hash(41)).has_value());
        CHECK(tx.deletion_tokens().find(token_hash(42)).has_value());
        CHECK(tx.deletion_tokens().issued_since(ulid(1), at(-1000)).empty());
        std::vector<std::int64_t> queued;
        for (const auto& m : tx.outbox().due(at(10), 10)) queued.push_back(m.id);
        CHECK(queued == std::vector{mail_for_2, mail_for_nobody});
        CHECK(tx.outbox().depth() == 2);
        CHECK(tx.audit().latest(10).size() == 1);
        CHECK(tx.customers().find(ulid(2)) == customer(2));
    });
    committed(this->store(), [&](core::Transaction& tx) {
        CHECK_FALSE(tx.outbox().reschedule(mail_for_1, at(5), 1, "gone"));
    });
}

// -------------------------------------------------------------------------------- credentials

JAMBO_STORE_CONTRACT("a credential is found by its hash with its principal and state", "[credentials]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    committed(this->store(), [](core::Transaction& tx) {
        tx.credentials().add_staff(staff(1));
        tx.credentials().insert(credential(10, Role::customer, ulid(1)));
        tx.credentials().insert(credential(20, Role::staff, staff(1).id));
    });
    reading(this->store(), [](core::Transaction& tx) {
        CHECK((tx.credentials().find(token_hash(10)) == credential(10, Role::customer, ulid(1))));
        CHECK((tx.credentials().find(token_hash(20)) == credential(20, Role::staff, staff(1).id)));
        CHECK_FALSE(tx.credentials().find(token_hash(30)).has_value());
    });
}

JAMBO_STORE_CONTRACT("revoke marks a credential revoked exactly once", "[credentials]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    committed(this->store(), [](core::Transaction& tx) {
        tx.credentials().insert(credential(10, Role::customer, ulid(1)));
    });
    committed(this->store(), [](core::Transaction& tx) {
        CHECK(tx.credentials().revoke(token_hash(10)));
        CHECK_FALSE(tx.credentials().revoke(token_hash(10)));
        CHECK_FALSE(tx.credentials().revoke(token_hash(99)));
    });
    auto expected = credential(10, Role::customer, ulid(1));
    expected.revoked = true;
    reading(this->store(),
            [&](core::Transaction& tx) { CHECK((tx.credentials().find(token_hash(10)) == expected)); });
}

JAMBO_STORE_CONTRACT("revoked lists the hashes of every revoked credential and only those", "[credentials]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    committed(this->store(), [](core::Transaction& tx) {
        for (std::uint64_t n : {10, 11, 12}) tx.credentials().insert(credential(n, Role::customer, ulid(1)));
    });
    reading(this->store(), [](core::Transaction& tx) { CHECK(tx.credentials().revoked().empty()); });
    committed(this->store(), [](core::Transaction& tx) {
        REQUIRE(tx.credentials().revoke(token_hash(12)));
        REQUIRE(tx.credentials().revoke(token_hash(10)));
    });
    reading(this->store(), [](core::Transaction& tx) {
        auto hashes = tx.credentials().revoked();
        std::ranges::sort(hashes);
        auto expected = std::vector<core::TokenHash>{token_hash(10), token_hash(12)};
        std::ranges::sort(expected);
        CHECK(hashes == expected);
    });
}

JAMBO_STORE_CONTRACT("revoke_all revokes every live credential of one account and returns their hashes",
                     "[credentials]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    committed(this->store(), [](core::Transaction& tx) {
        tx.credentials().add_staff(staff(1));
        for (std::uint64_t n : {10, 11, 12}) tx.credentials().insert(credential(n, Role::customer, ulid(1)));
        tx.credentials().insert(credential(20, Role::customer, ulid(2)));
        tx.credentials().insert(credential(30, Role::staff, staff(1).id));
        tx.credentials().insert(credential(31, Role::staff, staff(1).id));
        REQUIRE(tx.credentials().revoke(token_hash(11)));
    });
    committed(this->store(), [](core::Transaction& tx) {
        auto hashes = tx.credentials().revoke_all(core::Principal{Role::customer, ulid(1)});
        std::ranges::sort(hashes);
        CHECK(hashes == std::vector<core::TokenHash>{token_hash(10), token_hash(12)});  // 11 was revoked before
        CHECK(tx.credentials().revoke_all(core::Principal{Role::customer, ulid(1)}).empty());  // nothing left
        CHECK(tx.credentials().revoke_all(core::Principal{Role::customer, ulid(9)}).empty());  // no such account
        // A staff account's ulid is not a customer's, even where the text is the same.
        CHECK(tx.credentials().revoke_all(core::Principal{Role::customer, staff(1).id}).empty());
        CHECK(tx.credentials().revoke_all(core::Principal{Role::staff, staff(1).id}).size() == 2);
    });
    reading(this->store(), [](core::Transaction& tx) {
        for (std::uint64_t n : {10, 11, 12, 30, 31}) CHECK(tx.credentials().find(token_hash(n))->revoked);
        CHECK_FALSE(tx.credentials().find(token_hash(20))->revoked);  // another customer's
        CHECK(tx.credentials().revoked().size() == 5);
    });
}

JAMBO_STORE_CONTRACT("staff accounts are found by id and by email in any case and all are listed",
                     "[credentials][staff]") {
    using namespace jambo::contract;
    committed(this->store(), [](core::Transaction& tx) {
        tx.credentials().add_staff(staff(2));
        tx.credentials().add_staff(staff(1));
    });
    reading(this->store(), [](core::Transaction& tx) {
        auto& credentials = tx.credentials();
        CHECK((credentials.staff_by_id(staff(1).id) == staff(1)));
        CHECK_FALSE(credentials.staff_by_id(ulid(5)).has_value());
        CHECK((credentials.staff_by_email("staff2@example.org") == staff(2)));
        CHECK_FALSE(credentials.staff_by_email("staff3@example.org").has_value());
        CHECK((credentials.all_staff() == std::vector{staff(1), staff(2)}));
    });
}

// ---------------------------------------------------------------------------- deletion tokens

JAMBO_STORE_CONTRACT("a deletion token is found by its hash and consumed only once", "[deletion_tokens]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    committed(this->store(), [](core::Transaction& tx) {
        tx.deletion_tokens().insert(deletion_token(7, customer(1), at(0)));
    });
    reading(this->store(), [](core::Transaction& tx) {
        CHECK((tx.deletion_tokens().find(token_hash(7)) == deletion_token(7, customer(1), at(0))));
        CHECK_FALSE(tx.deletion_tokens().find(token_hash(8)).has_value());
    });
    committed(this->store(), [](core::Transaction& tx) {
        CHECK(tx.deletion_tokens().consume(token_hash(7)));
        CHECK_FALSE(tx.deletion_tokens().consume(token_hash(7)));
        CHECK_FALSE(tx.deletion_tokens().consume(token_hash(8)));
    });
    auto used = deletion_token(7, customer(1), at(0));
    used.used = true;
    reading(this->store(),
            [&](core::Transaction& tx) { CHECK((tx.deletion_tokens().find(token_hash(7)) == used)); });
}

JAMBO_STORE_CONTRACT("issued_since lists one customer's token times from a moment on, oldest first",
                     "[deletion_tokens]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    committed(this->store(), [](core::Transaction& tx) {
        tx.deletion_tokens().insert(deletion_token(3, customer(1), at(300)));
        tx.deletion_tokens().insert(deletion_token(1, customer(1), at(100)));
        tx.deletion_tokens().insert(deletion_token(2, customer(1), at(200)));
        tx.deletion_tokens().insert(deletion_token(4, customer(2), at(250)));
    });
    reading(this->store(), [](core::Transaction& tx) {
        auto& tokens = tx.deletion_tokens();
        CHECK(tokens.issued_since(ulid(1), at(0)) == std::vector{at(100), at(200), at(300)});
        CHECK(tokens.issued_since(ulid(1), at(200)) == std::vector{at(200), at(300)});
        CHECK(tokens.issued_since(ulid(1), at(301)).empty());
        CHECK(tokens.issued_since(ulid(2), at(0)) == std::vector{at(250)});
        CHECK(tokens.issued_since(ulid(3), at(0)).empty());
    });
}

JAMBO_STORE_CONTRACT("purge_expired drops tokens that expired before the cutoff and counts them",
                     "[deletion_tokens]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    committed(this->store(), [](core::Transaction& tx) {
        tx.deletion_tokens().insert(deletion_token(1, customer(1), at(0), 100ms));
        tx.deletion_tokens().insert(deletion_token(2, customer(1), at(0), 200ms));
        tx.deletion_tokens().insert(deletion_token(3, customer(1), at(0), 300ms));
    });
    committed(this->store(),
              [](core::Transaction& tx) { CHECK(tx.deletion_tokens().purge_expired(at(200)) == 1); });
    reading(this->store(), [](core::Transaction& tx) {
        CHECK_FALSE(tx.deletion_tokens().find(token_hash(1)).has_value());
        CHECK(tx.deletion_tokens().find(token_hash(2)).has_value());
        CHECK(tx.deletion_tokens().find(token_hash(3)).has_value());
    });
    committed(this->store(),
              [](core::Transaction& tx) { CHECK(tx.deletion_tokens().purge_expired(at(1000)) == 2); });
    reading(this->store(),
            [](core::Transaction& tx) { CHECK(tx.deletion_tokens().issued_since(ulid(1), at(0)).empty()); });
}

JAMBO_STORE_CONTRACT("of two threads consuming one deletion token at once exactly one succeeds",
                     "[deletion_tokens][concurrency]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    constexpr int rounds = 10;
    committed(this->store(), [](core::Transaction& tx) {
        for (int round = 0; round < rounds; ++round) {
            tx.deletion_tokens().insert(
                deletion_token(static_cast<std::uint64_t>(round), customer(1), at(0)));
        }
    });
    for (int round = 0; round < rounds; ++round) {
        const auto hash = token_hash(static_cast<std::uint64_t>(round));
        std::latch start(2);
        std::atomic<int> wins = 0;
        ThreadFailures failures;
        const auto confirm = [&] {
            failures.run([&] {
                start.arrive_and_wait();
                auto tx = this->store().begin(TransactionMode::write);
                if (tx->deletion_tokens().consume(hash)) {
                    tx->commit();
                    ++wins;
                }
            });
        };
        std::thread first(confirm);
        std::thread second(confirm);
        first.join();
        second.join();
        failures.rethrow();
        INFO("round " << round);
        CHECK(wins == 1);
    }
}

// ------------------------------------------------------------------------------------- outbox

JAMBO_STORE_CONTRACT("enqueue assigns increasing ids that are never reused", "[outbox]") {
    using namespace jambo::contract;
    const auto enqueue = [&] {
        return committed(this->store(), [](core::Transaction& tx) {
            return tx.outbox().enqueue(message(std::nullopt, "ops@example.org", at(0), at(0)));
        });
    };
    const auto first = enqueue();
    const auto second = enqueue();
    CHECK(second > first);
    committed(this->store(), [&](core::Transaction& tx) { REQUIRE(tx.outbox().remove(second)); });
    const auto third = enqueue();
    CHECK(third > second);
}

JAMBO_STORE_CONTRACT("a queued message keeps every field", "[outbox]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    auto original = message(ulid(1), customer(1).email, at(5), at(7));
    original.attempts = 2;
    original.last_error = "421 try later";
    original.expires_at = at(3'600'005);
    const auto id =
        committed(this->store(), [&](core::Transaction& tx) { return tx.outbox().enqueue(original); });
    original.id = id;
    reading(this->store(),
            [&](core::Transaction& tx) { CHECK(tx.outbox().due(at(7), 10) == std::vector{original}); });
}

JAMBO_STORE_CONTRACT("due lists messages due by a time, earliest due first then by id, up to a limit",
                     "[outbox]") {
    using namespace jambo::contract;
    const auto ids = committed(this->store(), [](core::Transaction& tx) {
        std::vector<std::int64_t> out;
        for (const std::int64_t due : {30, 10, 20, 10, 50}) {
            out.push_back(tx.outbox().enqueue(message(std::nullopt, "ops@example.org", at(0), at(due))));
        }
        return out;
    });
    const auto due_ids = [&](core::TimePoint now, std::uint32_t limit) {
        return reading(this->store(), [&](core::Transaction& tx) {
            std::vector<std::int64_t> out;
            for (const auto& m : tx.outbox().due(now, limit)) out.push_back(m.id);
            return out;
        });
    };
    CHECK(due_ids(at(9), 10).empty());
    CHECK(due_ids(at(10), 10) == std::vector{ids[1], ids[3]});
    CHECK(due_ids(at(30), 10) == std::vector{ids[1], ids[3], ids[2], ids[0]});
    CHECK(due_ids(at(100), 3) == std::vector{ids[1], ids[3], ids[2]});
}

JAMBO_STORE_CONTRACT("reschedule records a failed attempt and moves the message in the due order",
                     "[outbox]") {
    using namespace jambo::contract;
    const auto ids = committed(this->store(), [](core::Transaction& tx) {
        return std::vector{tx.outbox().enqueue(message(std::nullopt, "a@example.org", at(0), at(10))),
                           tx.outbox().enqueue(message(std::nullopt, "b@example.org", at(0), at(20)))};
    });
    committed(this->store(), [&](core::Transaction& tx) {
        CHECK(tx.outbox().reschedule(ids[0], at(60), 1, "connection refused"));
        CHECK_FALSE(tx.outbox().reschedule(ids[1] + 100, at(60), 1, "no such message"));
    });
    reading(this->store(), [&](core::Transaction& tx) {
        const auto due = tx.outbox().due(at(100), 10);
        REQUIRE(due.size() == 2);
        CHECK(due[0].id == ids[1]);
        CHECK(due[1].id == ids[0]);
        CHECK(due[1].next_attempt_at == at(60));
        CHECK(due[1].attempts == 1);
        CHECK(due[1].last_error == "connection refused");
        CHECK(tx.outbox().due(at(59), 10).size() == 1);
        CHECK(tx.outbox().next_due() == at(20));
    });
}

JAMBO_STORE_CONTRACT("queued_for lists a customer's messages, due or not, in id order", "[outbox]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    const auto ids = committed(this->store(), [](core::Transaction& tx) {
        return std::vector{tx.outbox().enqueue(message(ulid(1), customer(1).email, at(0), at(50))),
                           tx.outbox().enqueue(message(ulid(2), customer(2).email, at(0), at(0))),
                           tx.outbox().enqueue(message(std::nullopt, "ops@example.org", at(0), at(0))),
                           tx.outbox().enqueue(message(ulid(1), customer(1).email, at(1), at(1)))};
    });
    reading(this->store(), [&](core::Transaction& tx) {
        std::vector<std::int64_t> of_1;
        for (const auto& m : tx.outbox().queued_for(ulid(1))) of_1.push_back(m.id);
        CHECK(of_1 == std::vector{ids[0], ids[3]});
        CHECK(tx.outbox().queued_for(ulid(2)).size() == 1);
        CHECK(tx.outbox().queued_for(ulid(3)).empty());
    });
}

JAMBO_STORE_CONTRACT("remove, depth, oldest and next_due describe the queue", "[outbox]") {
    using namespace jambo::contract;
    reading(this->store(), [](core::Transaction& tx) {
        CHECK(tx.outbox().depth() == 0);
        CHECK_FALSE(tx.outbox().oldest().has_value());
        CHECK_FALSE(tx.outbox().next_due().has_value());
    });
    const auto ids = committed(this->store(), [](core::Transaction& tx) {
        return std::vector{tx.outbox().enqueue(message(std::nullopt, "a@example.org", at(5), at(40))),
                           tx.outbox().enqueue(message(std::nullopt, "b@example.org", at(3), at(50))),
                           tx.outbox().enqueue(message(std::nullopt, "c@example.org", at(9), at(30)))};
    });
    reading(this->store(), [](core::Transaction& tx) {
        CHECK(tx.outbox().depth() == 3);
        CHECK(tx.outbox().oldest() == at(3));
        CHECK(tx.outbox().next_due() == at(30));
    });
    committed(this->store(), [&](core::Transaction& tx) {
        CHECK(tx.outbox().remove(ids[1]));
        CHECK_FALSE(tx.outbox().remove(ids[1]));
        CHECK(tx.outbox().remove(ids[2]));
    });
    reading(this->store(), [&](core::Transaction& tx) {
        CHECK(tx.outbox().depth() == 1);
        CHECK(tx.outbox().oldest() == at(5));
        CHECK(tx.outbox().next_due() == at(40));
        CHECK(tx.outbox().due(at(100), 10).at(0).id == ids[0]);
    });
}

// -------------------------------------------------------------------------------------- audit

JAMBO_STORE_CONTRACT("audit entries get increasing ids and latest lists the newest first", "[audit]") {
    using namespace jambo::contract;
    const auto ids = committed(this->store(), [](core::Transaction& tx) {
        std::vector<std::int64_t> out;
        for (int i = 0; i < 5; ++i) {
            out.push_back(tx.audit().append(core::AuditEntry{0, at(i), "customer.erased",
                                                             ulid(static_cast<std::uint64_t>(i)).to_string(),
                                                             "deletion-link"}));
        }
        return out;
    });
    REQUIRE(std::is_sorted(ids.begin(), ids.end()));
    REQUIRE(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
    reading(this->store(), [&](core::Transaction& tx) {
        const auto latest = tx.audit().latest(2);
        REQUIRE(latest.size() == 2);
        CHECK(latest[0] ==
              core::AuditEntry{ids[4], at(4), "customer.erased", ulid(4).to_string(), "deletion-link"});
        CHECK(latest[1] ==
              core::AuditEntry{ids[3], at(3), "customer.erased", ulid(3).to_string(), "deletion-link"});
        CHECK(tx.audit().latest(100).size() == 5);
        CHECK(tx.audit().latest(0).empty());
    });
}

JAMBO_STORE_CONTRACT("entries_of lists an event's entries from a time on, in append order", "[audit]") {
    using namespace jambo::contract;
    committed(this->store(), [](core::Transaction& tx) {
        tx.audit().append(core::AuditEntry{0, at(5), "mail.delivered", ulid(1).to_string(), "smtp; message a"});
        tx.audit().append(core::AuditEntry{0, at(1), "mail.delivered", ulid(2).to_string(), "smtp; message b"});
        tx.audit().append(core::AuditEntry{0, at(3), "mail.abandoned", ulid(1).to_string(), "smtp; message c"});
        tx.audit().append(core::AuditEntry{0, at(2), "mail.delivered", "", "smtp; message d"});
    });
    reading(this->store(), [](core::Transaction& tx) {
        auto details = [&](core::TimePoint since) {
            std::vector<std::string> out;
            for (const auto& entry : tx.audit().entries_of("mail.delivered", since)) {
                CHECK(entry.event == "mail.delivered");
                CHECK(entry.id > 0);
                out.push_back(entry.detail);
            }
            return out;
        };
        CHECK(details(at(0)) == std::vector<std::string>{"smtp; message a", "smtp; message b", "smtp; message d"});
        CHECK(details(at(2)) == std::vector<std::string>{"smtp; message a", "smtp; message d"});
        CHECK(details(at(6)).empty());
        const auto abandoned = tx.audit().entries_of("mail.abandoned", at(0));
        REQUIRE(abandoned.size() == 1);
        CHECK(abandoned[0].at == at(3));
        CHECK(abandoned[0].subject == ulid(1).to_string());
    });
}

// ------------------------------------------------------------------------------- transactions

JAMBO_STORE_CONTRACT("a write transaction destroyed without commit leaves every repository as it was",
                     "[transactions]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1, 2});
    std::int64_t mail = 0;
    committed(this->store(), [&](core::Transaction& tx) {
        tx.credentials().insert(credential(20, Role::customer, ulid(2)));
        tx.credentials().add_staff(staff(1));
        tx.credentials().insert(credential(22, Role::staff, staff(1).id));
        tx.deletion_tokens().insert(deletion_token(21, customer(2), at(0)));
        tx.deletion_tokens().insert(deletion_token(23, customer(1), at(0)));
        mail = tx.outbox().enqueue(message(ulid(1), customer(1).email, at(0), at(10)));
        tx.audit().append(core::AuditEntry{0, at(0), "token.issued", ulid(1).to_string(), "customer"});
    });
    const std::vector<std::uint64_t> hashes{20, 21, 22, 23, 30, 31};
    const std::vector<std::uint64_t> owners{1, 2, 3};
    const auto before = observe(this->store(), hashes, owners);
    {
        auto tx = this->store().begin(TransactionMode::write);
        REQUIRE(tx->customers().insert(customer(3)).has_value());
        auto changed = customer(9);
        changed.ulid = ulid(1);
        REQUIRE(tx->customers().update(changed).has_value());
        REQUIRE(tx->customers().remove(ulid(2)));
        tx->credentials().insert(credential(30, Role::customer, ulid(1)));
        REQUIRE(tx->credentials().revoke(token_hash(22)));
        tx->credentials().add_staff(staff(2));
        tx->deletion_tokens().insert(deletion_token(31, customer(3), at(5)));
        REQUIRE(tx->deletion_tokens().consume(token_hash(23)));
        REQUIRE(tx->outbox().reschedule(mail, at(99), 3, "timeout"));
        tx->outbox().enqueue(message(ulid(3), customer(3).email, at(1), at(1)));
        tx->audit().append(core::AuditEntry{0, at(1), "customer.erased", ulid(2).to_string(), "staff"});
        REQUIRE(tx->deletion_tokens().purge_expired(at(100'000'000)) >= 1);
        REQUIRE(tx->outbox().remove(mail));
    }
    require_same(before, observe(this->store(), hashes, owners));
}

JAMBO_STORE_CONTRACT("a read transaction ends with commit() as the use cases end it - a second commit is a logic_error",
                     "[transactions]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    {
        auto tx = this->store().begin(TransactionMode::read);
        CHECK(tx->customers().count() == 1);
        CHECK_NOTHROW(tx->commit());
        CHECK_THROWS_AS(tx->commit(), std::logic_error);
    }
    auto write = this->store().begin(TransactionMode::write);
    REQUIRE(write->customers().insert(customer(2)).has_value());
    write->commit();
    CHECK_THROWS_AS(write->commit(), std::logic_error);
}

JAMBO_STORE_CONTRACT("a write attempted in a read transaction does not survive it", "[transactions]") {
    using namespace jambo::contract;
    {
        auto tx = this->store().begin(TransactionMode::read);
        try {
            (void)tx->customers().insert(customer(1));
            tx->audit().append(core::AuditEntry{0, at(0), "token.issued", ulid(1).to_string(), "customer"});
        } catch (const std::exception&) {  // refusing the write outright keeps the contract too
        }
    }
    reading(this->store(), [](core::Transaction& tx) {
        CHECK_FALSE(tx.customers().find(ulid(1)).has_value());
        CHECK(tx.customers().count() == 0);
        CHECK(tx.audit().latest(10).empty());
    });
}

JAMBO_STORE_CONTRACT("a transaction's writes are invisible to other transactions until it commits",
                     "[transactions][concurrency]") {
    using namespace jambo::contract;
    auto writer = this->store().begin(TransactionMode::write);
    REQUIRE(writer->customers().insert(customer(1)).has_value());
    // A store may make the reader wait for the writer or give it the last committed state;
    // either way it must not see the uncommitted row.
    std::atomic<bool> saw_row = true;
    std::atomic<std::uint64_t> saw_count = 99;
    ThreadFailures failures;
    std::thread reader([&] {
        failures.run([&] {
            auto tx = this->store().begin(TransactionMode::read);
            saw_row = tx->customers().find(ulid(1)).has_value();
            saw_count = tx->customers().count();
        });
    });
    std::this_thread::sleep_for(50ms);
    writer.reset();
    reader.join();
    failures.rethrow();
    CHECK_FALSE(saw_row);
    CHECK(saw_count == 0);
    insert_customers(this->store(), {1});
    CHECK(all_customers(this->store()) == std::vector{customer(1)});
}

JAMBO_STORE_CONTRACT("a read transaction keeps one snapshot while a writer commits",
                     "[transactions][concurrency]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    auto reader = this->store().begin(TransactionMode::read);
    REQUIRE(reader->customers().count() == 1);
    // A store may make the writer wait for the reader or let it commit beside it; either way
    // the reader keeps seeing what it saw first.
    ThreadFailures failures;
    std::thread writer([&] { failures.run([&] { insert_customer_or_throw(this->store(), 2); }); });
    std::this_thread::sleep_for(100ms);
    CHECK(reader->customers().count() == 1);
    CHECK_FALSE(reader->customers().find(ulid(2)).has_value());
    CHECK(reader->customers().page(0, 10) == std::vector{customer(1)});
    reader.reset();
    writer.join();
    failures.rethrow();
    CHECK(all_customers(this->store()) == std::vector{customer(1), customer(2)});
}

JAMBO_STORE_CONTRACT("writers on several threads all commit", "[transactions][concurrency]") {
    using namespace jambo::contract;
    constexpr std::uint64_t threads = 4;
    constexpr std::uint64_t per_thread = 25;
    on_threads(threads, [&](std::uint64_t t) {
        for (std::uint64_t i = 0; i < per_thread; ++i) insert_customer_or_throw(this->store(), t * 1000 + i);
    });
    reading(this->store(),
            [](core::Transaction& tx) { CHECK(tx.customers().count() == threads * per_thread); });
    CHECK(all_customers(this->store()).size() == threads * per_thread);
}

JAMBO_STORE_CONTRACT("a store reports itself healthy", "[store]") { CHECK(this->store().healthy()); }

// run_write: a store may run the work of many callers in one transaction (group commit); to
// each caller it must look exactly like a transaction of its own.


JAMBO_STORE_CONTRACT("run_write keeps what work that returns true did and nothing of work that returns false",
                     "[transactions][run_write]") {
    using namespace jambo::contract;
    using run_write_test::must;
    this->store().run_write([](core::Transaction& tx) {
        must(tx.customers().insert(customer(1)).has_value(), "insert 1");
        return true;
    });
    this->store().run_write([](core::Transaction& tx) {
        must(tx.customers().insert(customer(2)).has_value(), "insert 2");
        must(tx.customers().find(ulid(2)) == customer(2), "own write visible");
        return false;
    });
    CHECK(all_customers(this->store()) == std::vector{customer(1)});
    reading(this->store(), [](core::Transaction& tx) { CHECK(tx.customers().count() == 1); });
}

JAMBO_STORE_CONTRACT("run_write passes the exception of its work to the caller and undoes the work",
                     "[transactions][run_write]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {1});
    try {
        this->store().run_write([](core::Transaction& tx) -> bool {
            run_write_test::must(tx.customers().remove(ulid(1)), "remove 1");
            run_write_test::must(tx.customers().insert(customer(2)).has_value(), "insert 2");
            throw run_write_test::Refused(7);
        });
        FAIL("no exception");
    } catch (const run_write_test::Refused& refused) {
        CHECK(refused.number == 7);
    }
    CHECK(all_customers(this->store()) == std::vector{customer(1)});
    // The store is still usable afterwards.
    this->store().run_write([](core::Transaction& tx) { return tx.customers().insert(customer(3)).has_value(); });
    CHECK(all_customers(this->store()) == std::vector{customer(1), customer(3)});
}

JAMBO_STORE_CONTRACT("run_write refuses work that commits by itself", "[transactions][run_write]") {
    using namespace jambo::contract;
    CHECK_THROWS_AS(this->store().run_write([](core::Transaction& tx) {
        tx.commit();
        return true;
    }),
                    std::logic_error);
}

JAMBO_STORE_CONTRACT("of many concurrent run_write callers each keeps, drops or fails only its own work",
                     "[transactions][run_write][concurrency]") {
    using namespace jambo::contract;
    constexpr std::uint64_t threads = 8;
    constexpr std::uint64_t per_thread = 30;
    std::latch start(threads);
    on_threads(threads, [&](std::uint64_t t) {
        start.arrive_and_wait();
        for (std::uint64_t i = 0; i < per_thread; ++i) run_write_test::write_one(this->store(), t + i * threads);
    });

    std::vector<core::Customer> kept;
    for (std::uint64_t n = 0; n < threads * per_thread; ++n) {
        if (run_write_test::outcome_of(n) == run_write_test::Outcome::keep) kept.push_back(customer(n));
    }
    CHECK(all_customers(this->store()) == kept);
    reading(this->store(), [&](core::Transaction& tx) {
        CHECK(tx.customers().count() == kept.size());
        for (std::uint64_t n = 0; n < threads * per_thread; ++n) {
            const bool expected = run_write_test::outcome_of(n) == run_write_test::Outcome::keep;
            CHECK(tx.credentials().find(token_hash(n)).has_value() == expected);
        }
    });
}

JAMBO_STORE_CONTRACT("submit_write calls done once its work is committed or undone, with what run_write throws",
                     "[transactions][submit_write]") {
    using namespace jambo::contract;
    using run_write_test::Via;
    // Customers 0 to 2: kept, dropped, failed (see outcome_of); each call waits for its done.
    for (std::uint64_t n = 0; n < 3; ++n) run_write_test::write_one(this->store(), n, Via::submit_write);
    CHECK(all_customers(this->store()) == std::vector{customer(0)});

    // Submitted without waiting in between: each done comes once, with its own outcome.
    constexpr std::uint64_t count = 12;
    std::vector<std::promise<std::exception_ptr>> done(count);
    for (std::uint64_t n = 10; n < 10 + count; ++n) {
        this->store().submit_write(
            [n](core::Transaction& tx) {
                run_write_test::must(tx.customers().insert(customer(n)).has_value(), "insert");
                if (run_write_test::outcome_of(n) == run_write_test::Outcome::fail) throw run_write_test::Refused(n);
                return run_write_test::outcome_of(n) == run_write_test::Outcome::keep;
            },
            [&done, n](std::exception_ptr failure) { done[n - 10].set_value(std::move(failure)); });
    }
    std::vector<core::Customer> kept{customer(0)};
    for (std::uint64_t n = 10; n < 10 + count; ++n) {
        INFO("write " << n);
        const auto failure = done[n - 10].get_future().get();
        const auto outcome = run_write_test::outcome_of(n);
        CHECK((failure != nullptr) == (outcome == run_write_test::Outcome::fail));
        if (outcome == run_write_test::Outcome::keep) kept.push_back(customer(n));
    }
    CHECK(all_customers(this->store()) == kept);
}

JAMBO_STORE_CONTRACT("callers of submit_write and run_write at once each keep, drop or fail only their own work",
                     "[transactions][submit_write][concurrency]") {
    using namespace jambo::contract;
    using run_write_test::Via;
    constexpr std::uint64_t threads = 8;
    constexpr std::uint64_t per_thread = 30;
    std::latch start(threads);
    on_threads(threads, [&](std::uint64_t t) {
        start.arrive_and_wait();
        const auto via = t % 2 == 0 ? Via::submit_write : Via::run_write;
        for (std::uint64_t i = 0; i < per_thread; ++i) run_write_test::write_one(this->store(), t + i * threads, via);
    });
    std::vector<core::Customer> kept;
    for (std::uint64_t n = 0; n < threads * per_thread; ++n) {
        if (run_write_test::outcome_of(n) == run_write_test::Outcome::keep) kept.push_back(customer(n));
    }
    CHECK(all_customers(this->store()) == kept);
}

JAMBO_STORE_CONTRACT("a conflict in one run_write undoes that caller's earlier changes only",
                     "[transactions][run_write][concurrency][conflict]") {
    using namespace jambo::contract;
    insert_customers(this->store(), {0});
    constexpr std::uint64_t callers = 24;
    ThreadFailures failures;
    std::latch start(callers);
    std::vector<std::thread> workers;
    std::vector<int> inserted(callers, -1);
    for (std::uint64_t n = 1; n <= callers; ++n) {
        workers.emplace_back([&, n] {
            start.arrive_and_wait();
            failures.run([&] {
                auto candidate = customer(n);
                // Every other caller collides with customer 0's email after writing a token.
                if (n % 2 == 0) candidate.email = customer(0).email;
                this->store().run_write([&](core::Transaction& tx) {
                    tx.credentials().insert(core::Credential{token_hash(n), {Role::customer, ulid(0)}, at(0), false});
                    const auto done = tx.customers().insert(candidate);
                    inserted[n - 1] = done ? 1 : 0;
                    return done.has_value();
                });
            });
        });
    }
    for (auto& worker : workers) worker.join();
    failures.rethrow();
    reading(this->store(), [&](core::Transaction& tx) {
        for (std::uint64_t n = 1; n <= callers; ++n) {
            INFO("caller " << n);
            CHECK(inserted[n - 1] == (n % 2 == 0 ? 0 : 1));
            CHECK(tx.customers().find(ulid(n)).has_value() == (n % 2 == 1));
            CHECK(tx.credentials().find(token_hash(n)).has_value() == (n % 2 == 1));
        }
        CHECK(tx.customers().count() == 1 + callers / 2);
    });
}


// ---------------------------------------------------------------------------------- use cases

namespace jambo::contract {

/// The ports the use cases need besides the store, deterministic and thread-safe.
class ContractClock final : public core::Clock {
public:
    [[nodiscard]] core::TimePoint now() const override { return at(0); }
};

class CountingRandom final : public core::RandomSource {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& byte : out) byte = static_cast<std::uint8_t>(next_.fetch_add(1) * 131U + 7U);
    }

private:
    std::atomic<unsigned> next_{1};
};

/// FNV-1a in four lanes: 32 bytes, deterministic, not cryptographic.
class ContractHasher final : public core::TokenHasher {
public:
    [[nodiscard]] core::TokenHash hash(std::string_view secret) const override {
        core::TokenHash out{};
        for (std::size_t lane = 0; lane < 4; ++lane) {
            std::uint64_t h = 14695981039346656037ULL ^ (lane * 0x9E3779B97F4A7C15ULL);
            for (const char c : secret) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
            for (std::size_t i = 0; i < 8; ++i) out[lane * 8 + i] = static_cast<std::uint8_t>(h >> (8 * i));
        }
        return out;
    }
};

inline core::CustomerDraft contract_draft(const std::string& email, const std::string& phone) {
    core::CustomerDraft draft;
    draft.first_name = core::RawField::text("Wanjiru");
    draft.last_name = core::RawField::text("Kamau");
    draft.nationality = core::RawField::text("KE");
    draft.dob = core::RawField::text("1990-04-01");
    draft.email = core::RawField::text(email);
    draft.phone_number = core::RawField::text(phone);
    return draft;
}

}  // namespace jambo::contract

// The suite above holds each repository to its part; this runs the use cases themselves on
// the store, as the HTTP adapter calls them, so a store that keeps every rule but breaks a
// use case (one that cannot commit a read, say) fails here and not in production.
JAMBO_STORE_CONTRACT("the use cases run on the store: register - read - list - update - request deletion - confirm",
                     "[use_cases]") {
    using namespace jambo::contract;
    const ContractClock clock;
    CountingRandom random;
    const ContractHasher hasher;
    core::UlidGenerator ulids{clock, random};
    const core::Policy policy;
    core::CustomerService customers{this->store(), clock, random, hasher, ulids, policy};
    core::ErasureService erasure{this->store(), clock, random, hasher, policy};
    core::AdminService admin{this->store(), clock, random, hasher, ulids};
    const auto bearer = [](const std::string& token) { return core::Credentials{"Bearer " + token}; };

    const auto me = customers.register_customer(contract_draft("wanjiru@example.org", "0712345678"));
    REQUIRE(me.has_value());
    const auto ulid_text = me->customer.ulid.to_string();
    REQUIRE(customers.get(bearer(me->token), ulid_text).has_value());
    CHECK(customers.get(bearer(me->token), ulid_text)->email == "wanjiru@example.org");
    const auto taken = customers.register_customer(contract_draft("WANJIRU@example.org", "0712345679"));
    REQUIRE_FALSE(taken.has_value());
    CHECK(taken.error().fields.contains("email"));

    const auto staff = admin.add_staff("ops@example.org", "Ops");
    REQUIRE(staff.has_value());
    const auto listed = customers.list(bearer(*staff), core::PageRequest{});
    REQUIRE(listed.has_value());
    CHECK(std::get<core::CustomerPage>(*listed).count == 1);

    core::CustomerDraft rename;
    rename.last_name = core::RawField::text("Otieno");
    REQUIRE(customers.update_self(bearer(me->token), rename, core::DraftMode::partial).has_value());
    CHECK(customers.get(bearer(*staff), ulid_text)->last_name == "Otieno");

    REQUIRE(erasure.request_deletion(bearer(me->token), ulid_text, std::nullopt).has_value());
    std::string link;
    reading(this->store(), [&](core::Transaction& tx) {
        const auto queued = tx.outbox().due(at(0), 10);
        REQUIRE(queued.size() == 1);
        const auto& body = queued.front().body;
        const auto start = body.find("/api/customer/");
        REQUIRE(start != std::string::npos);
        link = body.substr(start + 14, 43);
    });
    REQUIRE(erasure.preview(link).has_value());
    REQUIRE(erasure.confirm(link).has_value());
    const auto gone = customers.get(bearer(*staff), ulid_text);
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error().kind == core::ErrorKind::not_found);
    CHECK_FALSE(customers.get(bearer(me->token), ulid_text).has_value());
    reading(this->store(), [](core::Transaction& tx) {
        CHECK(tx.customers().count() == 0);
        CHECK(tx.outbox().depth() == 0);
    });
}
