#include "unit_support.hpp"

#include <jambo/core/services/unit_of_work.hpp>

using namespace jambo::core;
using jambo::memory::MemoryStore;

namespace {
Customer sample(int n) {
    Customer c;
    c.ulid = Ulid{Ulid::Bytes{0x01, static_cast<std::uint8_t>(n)}};
    c.first_name = "Cynthia";
    c.last_name = "Norris";
    c.nationality = "LS";
    c.dob = std::chrono::year_month_day{std::chrono::year{1912}, std::chrono::September, std::chrono::day{6}};
    c.email = "aaron" + std::to_string(n) + "@example.org";
    c.phone_number = "25470000000" + std::to_string(n);
    return c;
}
}  // namespace

TEST_CASE("a unit of work that succeeds commits its changes", "[core][store]") {
    MemoryStore store;
    auto r = in_transaction(store, TransactionMode::write, [](Transaction& tx) -> Result<void> {
        if (!tx.customers().insert(sample(1))) return std::unexpected(Error::bad_request("insert"));
        return {};
    });
    REQUIRE(r.has_value());
    CHECK(store.begin(TransactionMode::read)->customers().find(sample(1).ulid) == sample(1));
}

TEST_CASE("a unit of work that fails leaves nothing behind", "[core][store]") {
    MemoryStore store;
    auto r = in_transaction(store, TransactionMode::write, [](Transaction& tx) -> Result<void> {
        (void)tx.customers().insert(sample(1));
        return std::unexpected(Error::forbidden());
    });
    REQUIRE_FALSE(r.has_value());
    CHECK(store.begin(TransactionMode::read)->customers().count() == 0);
}

TEST_CASE("a store that cannot serve becomes an unavailable error", "[core][store]") {
    MemoryStore store;
    auto r = in_transaction(store, TransactionMode::write,
                            [](Transaction&) -> Result<int> { throw StoreUnavailable("disk full"); });
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::unavailable);
}

TEST_CASE("the memory store refuses a second customer with the same email in another case", "[core][store]") {
    MemoryStore store;
    auto tx = store.begin(TransactionMode::write);
    REQUIRE(tx->customers().insert(sample(1)).has_value());
    auto clash = sample(2);
    clash.email = "AARON1@example.org";
    auto r = tx->customers().insert(clash);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == UniqueField::email);
}
