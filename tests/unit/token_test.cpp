#include "unit_support.hpp"

#include <jambo/core/token.hpp>

#include <array>
#include <set>
#include <string>

using namespace jambo::core;
using jambo::testing::SequenceRandom;

namespace {
bool is_base64url(std::string_view text) {
    return text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
           std::string_view::npos;
}
}  // namespace

TEST_CASE("a bearer token is jmb_ followed by 43 base64url characters", "[core][token]") {
    SequenceRandom random;
    const auto token = make_bearer_token(random).text;
    CHECK(token.size() == 47);
    CHECK(token.starts_with("jmb_"));
    CHECK(is_base64url(std::string_view{token}.substr(4)));
}

TEST_CASE("a bearer token encodes 32 random bytes", "[core][token]") {
    SequenceRandom random{0};
    CHECK(make_bearer_token(random).text == "jmb_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
}

TEST_CASE("two bearer tokens are never the same", "[core][token]") {
    SequenceRandom random;
    CHECK(make_bearer_token(random).text != make_bearer_token(random).text);
}

TEST_CASE("the sequence fake never repeats a token - embedders copy it for tests that register many customers",
          "[core][token]") {
    SequenceRandom random;
    std::set<std::string> tokens;
    for (int i = 0; i < 1000; ++i) tokens.insert(make_bearer_token(random).text);
    CHECK(tokens.size() == 1000);
}

TEST_CASE("a deletion token is 43 base64url characters with no prefix", "[core][token]") {
    SequenceRandom random{0};
    const auto token = make_deletion_token(random).text;
    CHECK(token == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
}

TEST_CASE("base64url uses - and _ and no padding", "[core][token]") {
    const std::array<std::uint8_t, 2> bytes{0xFB, 0xFF};
    CHECK(base64url_encode(bytes.data(), bytes.size()) == "-_8");
    CHECK(base64url_encode(bytes.data(), 0).empty());
}

TEST_CASE("a token the service made is recognised as well-formed", "[core][token]") {
    SequenceRandom random;
    CHECK(is_well_formed_bearer_token(make_bearer_token(random).text));
    CHECK(is_well_formed_deletion_token(make_deletion_token(random).text));
}

TEST_CASE("a bearer token with the wrong prefix or length is malformed", "[core][token]") {
    const std::string body = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    CHECK_FALSE(is_well_formed_bearer_token("jmc_" + body));
    CHECK_FALSE(is_well_formed_bearer_token("JMB_" + body));
    CHECK_FALSE(is_well_formed_bearer_token(body));
    CHECK_FALSE(is_well_formed_bearer_token("jmb_" + body.substr(1)));
    CHECK_FALSE(is_well_formed_bearer_token("jmb_" + body + "A"));
    CHECK_FALSE(is_well_formed_bearer_token(""));
}

TEST_CASE("a bearer token with characters outside base64url is malformed", "[core][token]") {
    std::string token = "jmb_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    for (char bad : {'+', '/', '=', ' ', '.'}) {
        auto broken = token;
        broken[10] = bad;
        INFO(broken);
        CHECK_FALSE(is_well_formed_bearer_token(broken));
    }
}

TEST_CASE("a token whose last character carries stray bits is not canonical", "[core][token]") {
    // '8' (60) ends the 256 bits with two zero bits; '9' (61) sets one of them.
    CHECK_FALSE(is_well_formed_bearer_token("jmb_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9"));
    CHECK_FALSE(is_well_formed_deletion_token("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9"));
}

TEST_CASE("a deletion token of the wrong length or alphabet is malformed", "[core][token]") {
    const std::string good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    CHECK(is_well_formed_deletion_token(good));
    CHECK_FALSE(is_well_formed_deletion_token(good.substr(1)));
    CHECK_FALSE(is_well_formed_deletion_token(good + "A"));
    CHECK_FALSE(is_well_formed_deletion_token("jmb_" + good));
    CHECK_FALSE(is_well_formed_deletion_token(good.substr(0, 42) + "="));
    CHECK_FALSE(is_well_formed_deletion_token(std::string(43, '+')));
}

TEST_CASE("the bearer scheme is recognised case-insensitively and the token extracted", "[core][token]") {
    CHECK(bearer_credentials("Bearer abc") == std::optional<std::string_view>{"abc"});
    CHECK(bearer_credentials("bearer abc") == std::optional<std::string_view>{"abc"});
    CHECK(bearer_credentials("BEARER abc") == std::optional<std::string_view>{"abc"});
}

TEST_CASE("another scheme, or Bearer with no token, gives no credentials", "[core][token]") {
    CHECK_FALSE(bearer_credentials("Basic YWxhZGRpbjpvcGVuc2VzYW1l").has_value());
    CHECK_FALSE(bearer_credentials("Token abc").has_value());
    CHECK_FALSE(bearer_credentials("Bearer").has_value());
    CHECK_FALSE(bearer_credentials("Bearer ").has_value());
    CHECK_FALSE(bearer_credentials("Bearerabc").has_value());
    CHECK_FALSE(bearer_credentials("").has_value());
}
