#include "unit_support.hpp"

#include <jambo/sodium/sodium.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <vector>

using jambo::core::TokenHash;
using jambo::sodium::Blake2bHasher;
using jambo::sodium::SodiumRandom;

namespace {
std::string hex(const TokenHash& hash) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto b : hash) {
        out += digits[b >> 4];
        out += digits[b & 0x0F];
    }
    return out;
}
}  // namespace

TEST_CASE("the token hash is BLAKE2b-256", "[sodium]") {
    const Blake2bHasher hasher;
    CHECK(hex(hasher.hash("")) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    CHECK(hex(hasher.hash("jmb_abc")) == "7aae14fde177c4738d5033a4072b9e9aa35735c5b8213000a7a15d1f5a648ea2");
}

TEST_CASE("hashing the same token twice gives the same hash, other tokens another", "[sodium]") {
    const Blake2bHasher hasher;
    CHECK(hasher.hash("jmb_same") == hasher.hash("jmb_same"));
    CHECK(hasher.hash("jmb_same") != hasher.hash("jmb_Same"));
}

TEST_CASE("a keyed hash differs from the plain hash and between keys", "[sodium]") {
    const std::array<std::uint8_t, 32> key_a{1, 2, 3};
    const std::array<std::uint8_t, 32> key_b{3, 2, 1};
    const Blake2bHasher plain;
    const Blake2bHasher keyed_a{key_a};
    const Blake2bHasher keyed_b{key_b};
    CHECK(keyed_a.hash("jmb_abc") != plain.hash("jmb_abc"));
    CHECK(keyed_a.hash("jmb_abc") != keyed_b.hash("jmb_abc"));
    CHECK(keyed_a.hash("jmb_abc") == Blake2bHasher{key_a}.hash("jmb_abc"));
}

TEST_CASE("a hashing key shorter than 16 or longer than 64 bytes is refused", "[sodium]") {
    const std::vector<std::uint8_t> short_key(15, 7);
    const std::vector<std::uint8_t> long_key(65, 7);
    CHECK_THROWS_AS(Blake2bHasher{short_key}, std::invalid_argument);
    CHECK_THROWS_AS(Blake2bHasher{long_key}, std::invalid_argument);
    CHECK_NOTHROW(Blake2bHasher{std::vector<std::uint8_t>(16, 7)});
    CHECK_NOTHROW(Blake2bHasher{std::vector<std::uint8_t>(64, 7)});
}

TEST_CASE("the sodium random source fills every byte with fresh randomness", "[sodium]") {
    SodiumRandom random;
    std::vector<std::uint8_t> a(64, 0);
    std::vector<std::uint8_t> b(64, 0);
    random.fill(a);
    random.fill(b);
    CHECK(a != b);
    CHECK(std::count(a.begin(), a.end(), std::uint8_t{0}) < 8);
}

TEST_CASE("a customer registered with the sodium adapters authenticates with its token", "[sodium][core]") {
    jambo::testing::FixedClock clock;
    SodiumRandom random;
    const std::array<std::uint8_t, 32> key{9, 9, 9};
    Blake2bHasher hasher{key};
    jambo::memory::MemoryStore store;
    const jambo::core::Policy policy;
    jambo::core::UlidGenerator ulids{clock, random};
    jambo::core::CustomerService service{store, clock, random, hasher, ulids, policy};
    auto reg = service.register_customer(jambo::unit::draft());
    REQUIRE(reg.has_value());
    CHECK(jambo::core::is_well_formed_bearer_token(reg->token));
    auto tx = store.begin(jambo::core::TransactionMode::read);
    auto who = jambo::core::Authenticator{hasher}.authenticate(*tx, jambo::unit::bearer(reg->token));
    REQUIRE(who.has_value());
    CHECK(who->subject == reg->customer.ulid);
}
