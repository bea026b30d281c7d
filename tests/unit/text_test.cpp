#include "unit_support.hpp"

#include <jambo/core/customer.hpp>

using namespace jambo::core;

TEST_CASE("well-formed UTF-8 is accepted, including four-byte characters", "[core][text]") {
    CHECK(is_valid_utf8("Zoë \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST_CASE("malformed UTF-8 is rejected: stray bytes, overlong forms, surrogates, truncation",
          "[core][text]") {
    CHECK_FALSE(is_valid_utf8("\xFF"));
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));
    CHECK_FALSE(is_valid_utf8("caf\xC3"));
}

TEST_CASE("UTF-8 is checked wherever the bad or good byte falls in a long ASCII run", "[core][text]") {
    // ASCII is skipped eight bytes at a time; what follows or straddles a block still counts.
    for (std::size_t before = 0; before <= 20; ++before) {
        const std::string ascii(before, 'a');
        INFO(before << " ASCII bytes first");
        CHECK_FALSE(is_valid_utf8(ascii + "\xFF" + std::string(10, 'b')));
        CHECK_FALSE(is_valid_utf8(ascii + "\xED\xA0\x80" + std::string(10, 'b')));
        CHECK_FALSE(is_valid_utf8(ascii + "\xC3"));
        CHECK(is_valid_utf8(ascii + "\xC3\xA9" + std::string(10, 'b')));
        CHECK(is_valid_utf8(ascii + "\xF0\x9F\x98\x80" + std::string(before, 'b')));
    }
}

TEST_CASE("a multi-byte character counts as one code point", "[core][text]") {
    CHECK(code_point_count("h\xC3\xA9llo") == 5);
    CHECK(code_point_count("\xF0\x9F\x98\x80") == 1);
}

TEST_CASE("trimming removes Unicode white space from both ends only", "[core][text]") {
    CHECK(trim(" \t\xC2\xA0Mary Ann\xE3\x80\x80\n") == "Mary Ann");
}
