#include "unit_support.hpp"

#include <jambo/core/ulid.hpp>

#include <algorithm>
#include <functional>
#include <thread>
#include <vector>

using namespace jambo::core;
using namespace std::chrono_literals;
using jambo::testing::ConstantRandom;
using jambo::testing::FixedClock;
using jambo::testing::SequenceRandom;

TEST_CASE("a ULID's text and bytes round-trip", "[core][ulid]") {
    const auto ulid = Ulid::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV");
    REQUIRE(ulid.has_value());
    const Ulid::Bytes expected{0x01, 0x56, 0x3e, 0x3a, 0xb5, 0xd3, 0xd6, 0x76,
                               0x4c, 0x61, 0xef, 0xb9, 0x93, 0x02, 0xbd, 0x5b};
    CHECK(ulid->bytes() == expected);
    CHECK(Ulid{expected}.to_string() == "01ARZ3NDEKTSV4RRFFQ69G5FAV");
}

TEST_CASE("a ULID's timestamp is its first 48 bits in milliseconds", "[core][ulid]") {
    CHECK(Ulid::parse("01ARZ3NDEKTSV4RRFFQ69G5FAV")->timestamp_ms() == 1469922850259ULL);
}

TEST_CASE("the smallest and largest ULIDs format and parse", "[core][ulid]") {
    CHECK(Ulid{}.to_string() == "00000000000000000000000000");
    const auto max = Ulid::parse("7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    REQUIRE(max.has_value());
    Ulid::Bytes all_ones;
    all_ones.fill(0xFF);
    CHECK(max->bytes() == all_ones);
}

TEST_CASE("a lower-case ULID parses and prints upper-case", "[core][ulid]") {
    const auto ulid = Ulid::parse("01hwj8wh9x8wbk65emgy9ykpbs");
    REQUIRE(ulid.has_value());
    CHECK(ulid->to_string() == "01HWJ8WH9X8WBK65EMGY9YKPBS");
}

TEST_CASE("a ULID must be exactly 26 characters", "[core][ulid]") {
    CHECK_FALSE(Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKPB").has_value());
    CHECK_FALSE(Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKPBSS").has_value());
    CHECK_FALSE(Ulid::parse("").has_value());
}

TEST_CASE("a ULID whose first character is above 7 overflows and is refused", "[core][ulid]") {
    CHECK_FALSE(Ulid::parse("81HWJ8WH9X8WBK65EMGY9YKPBS").has_value());
    CHECK_FALSE(Ulid::parse("ZZZZZZZZZZZZZZZZZZZZZZZZZZ").has_value());
}

TEST_CASE("a ULID with I, L, O or U is refused rather than guessed", "[core][ulid]") {
    for (const char* bad :
         {"01HWJ8WH9X8WBK65EMGY9YKPBI", "01HWJ8WH9X8WBK65EMGY9YKPBL", "01HWJ8WH9X8WBK65EMGY9YKPBO",
          "01HWJ8WH9X8WBK65EMGY9YKPBU", "01hwj8wh9x8wbk65emgy9ykpbo"}) {
        INFO(bad);
        CHECK_FALSE(Ulid::parse(bad).has_value());
    }
}

TEST_CASE("a ULID with punctuation or spaces is refused", "[core][ulid]") {
    CHECK_FALSE(Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKP-S").has_value());
    CHECK_FALSE(Ulid::parse(" 1HWJ8WH9X8WBK65EMGY9YKPBS").has_value());
}

TEST_CASE("a generated ULID carries the clock's millisecond", "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator ulids{clock, random};
    CHECK(ulids.next().timestamp_ms() == 1'700'000'000'000ULL);
}

TEST_CASE("a ULID made in a later millisecond sorts after earlier ones", "[core][ulid]") {
    FixedClock clock;
    ConstantRandom random{0xFF};
    UlidGenerator ulids{clock, random};
    const auto first = ulids.next();
    clock.advance(1ms);
    const auto second = ulids.next();
    CHECK(first < second);
    CHECK(first.to_string() < second.to_string());
}

TEST_CASE("ULIDs made within one millisecond are strictly increasing", "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator ulids{clock, random};
    std::vector<Ulid> made;
    for (int i = 0; i < 1000; ++i) made.push_back(ulids.next());
    CHECK(std::adjacent_find(made.begin(), made.end(), std::greater_equal<>{}) == made.end());
    CHECK(made.back().timestamp_ms() == 1'700'000'000'000ULL);
}

TEST_CASE("a ULID made in the same millisecond is the previous plus one - the ULID spec's monotonic mode",
          "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator ulids{clock, random};
    const auto first = ulids.next();
    const auto second = ulids.next();
    auto expected = first.bytes();
    for (std::size_t i = expected.size(); i-- > 0;) {
        if (++expected[i] != 0) break;
    }
    CHECK(second.bytes() == expected);
    CHECK(second.timestamp_ms() == first.timestamp_ms());
}

TEST_CASE("ULIDs stay increasing when the clock steps back", "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator ulids{clock, random};
    const auto before = ulids.next();
    clock.advance(-5000ms);
    CHECK(before < ulids.next());
}

TEST_CASE("ULIDs stay unique and ordered when the random part overflows", "[core][ulid]") {
    FixedClock clock;
    ConstantRandom random{0xFF};
    UlidGenerator ulids{clock, random};
    const auto first = ulids.next();
    const auto second = ulids.next();
    const auto third = ulids.next();
    CHECK(first < second);
    CHECK(second < third);
    CHECK(second.timestamp_ms() == first.timestamp_ms() + 1);
}

TEST_CASE("ULIDs made on several threads at once are unique and ordered per thread", "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator ulids{clock, random};
    constexpr int threads = 4;
    constexpr int per_thread = 2000;
    std::vector<std::vector<Ulid>> made(threads);
    {
        std::vector<std::jthread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) {
                    if (i % 500 == 0 && t == 0) clock.advance(1ms);
                    made[static_cast<std::size_t>(t)].push_back(ulids.next());
                }
            });
        }
    }
    std::vector<Ulid> all;
    for (const auto& mine : made) {
        CHECK(std::is_sorted(mine.begin(), mine.end()));
        all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
    CHECK(all.size() == threads * per_thread);
}

TEST_CASE("a generator that follows an earlier run's ULID sorts after it even with its clock behind",
          "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator earlier_run(clock, random);
    clock.advance(24h);  // that run's clock was a day ahead
    const auto stored = earlier_run.next();

    clock.advance(-24h);  // corrected before this run
    UlidGenerator this_run(clock, random);
    this_run.follow(stored);
    const auto first = this_run.next();
    CHECK(first > stored);
    CHECK(this_run.next() > first);
    this_run.follow(Ulid{});  // following an older one changes nothing
    CHECK(this_run.next() > first);
}

TEST_CASE("two generators that follow the same stored ULID with the clock behind do not make the same ones",
          "[core][ulid]") {
    FixedClock clock;
    SequenceRandom random;
    UlidGenerator earlier_run(clock, random);
    clock.advance(1h);
    const auto stored = earlier_run.next();
    clock.advance(-1h);
    UlidGenerator one(clock, random);
    UlidGenerator other(clock, random);
    one.follow(stored);
    const auto a = one.next();
    other.follow(a);  // it read the newest stored ULID a moment later
    const auto b = other.next();
    const auto c = one.next();
    CHECK(a < b);
    CHECK(a < c);
    CHECK(b != c);  // with a step of 1 they were equal
}

TEST_CASE("a generator draws its random bits a block at a time - not once per ULID", "[core][ulid]") {
    // Each draw from libsodium is a system call, made on the store's one writer thread.
    struct CountingDraws final : jambo::core::RandomSource {
        SequenceRandom inner;
        int draws = 0;
        void fill(std::span<std::uint8_t> out) override {
            ++draws;
            inner.fill(out);
        }
    } random;
    FixedClock clock;
    UlidGenerator ulids{clock, random};
    std::vector<Ulid> made;
    for (int i = 0; i < 100; ++i) {
        clock.advance(1ms);  // a new millisecond draws 10 random bytes
        made.push_back(ulids.next());
    }
    CHECK(random.draws <= 5);  // 1,000 bytes in blocks of 240
    clock.advance(-1h);  // behind the last ULID: 4 random bytes each
    for (int i = 0; i < 60; ++i) made.push_back(ulids.next());
    CHECK(random.draws <= 6);
    CHECK(std::adjacent_find(made.begin(), made.end(), std::greater_equal<>{}) == made.end());
}
