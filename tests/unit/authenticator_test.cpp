#include "unit_support.hpp"

using namespace jambo::core;
using namespace jambo::unit;

TEST_CASE("a customer's token authenticates as that customer", "[core][auth]") {
    World w;
    const auto reg = w.add_customer();
    auto who = w.authenticate(bearer(reg.token));
    INFO(describe(who));
    REQUIRE(who.has_value());
    CHECK(*who == Principal{Role::customer, reg.customer.ulid});
}

TEST_CASE("a request without an Authorization header was not given credentials", "[core][auth]") {
    World w;
    auto who = w.authenticate(nobody());
    REQUIRE_FALSE(who.has_value());
    CHECK(who.error().kind == ErrorKind::unauthenticated);
    CHECK(who.error().message == messages::not_provided);
}

TEST_CASE("an Authorization header of another scheme was not given bearer credentials", "[core][auth]") {
    World w;
    auto who = w.authenticate(header("Basic YWxhZGRpbjpvcGVuc2VzYW1l"));
    REQUIRE_FALSE(who.has_value());
    CHECK(who.error().message == messages::not_provided);
}

TEST_CASE("a malformed bearer token is an invalid token", "[core][auth]") {
    World w;
    auto who = w.authenticate(bearer("not-a-token"));
    REQUIRE_FALSE(who.has_value());
    CHECK(who.error().kind == ErrorKind::unauthenticated);
    CHECK(who.error().message == messages::invalid_token);
}

TEST_CASE("a well-formed token that was never issued is an invalid token", "[core][auth]") {
    World w;
    (void)w.add_customer();
    auto who = w.authenticate(bearer(unknown_bearer_token()));
    REQUIRE_FALSE(who.has_value());
    CHECK(who.error().message == messages::invalid_token);
}

TEST_CASE("a revoked token is an invalid token", "[core][auth]") {
    World w;
    const auto reg = w.add_customer();
    REQUIRE(w.admin.revoke_token(reg.token).has_value());
    auto who = w.authenticate(bearer(reg.token));
    REQUIRE_FALSE(who.has_value());
    CHECK(who.error().message == messages::invalid_token);
}

TEST_CASE("the bearer scheme is accepted in any case", "[core][auth]") {
    World w;
    const auto reg = w.add_customer();
    CHECK(w.authenticate(header("bearer " + reg.token)).has_value());
}
