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

TEST_CASE("an embedding program may vouch for an account instead of a token - the rules still apply", "[core][auth]") {
    World w;
    const auto ada = w.add_customer(1);
    const auto bob = w.add_customer(2);
    const Credentials as_ada{.vouched_for = Principal{Role::customer, ada.customer.ulid}};
    CHECK(w.authenticate(as_ada).value() == Principal{Role::customer, ada.customer.ulid});
    // A customer may read itself, not another: the core decides, as for a token.
    CHECK(w.customers.get(as_ada, ada.customer.ulid.to_string()).has_value());
    const auto other = w.customers.get(as_ada, bob.customer.ulid.to_string());
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().kind == ErrorKind::forbidden);
}

TEST_CASE("a vouched-for account that does not exist is an invalid token", "[core][auth]") {
    World w;
    const auto ada = w.add_customer(1);
    (void)w.add_staff("boss@jambo.example");
    const auto staff_id = w.admin.list_staff().value().at(0).id;
    CHECK(w.authenticate(Credentials{.vouched_for = Principal{Role::staff, staff_id}}).has_value());
    // A customer id is no staff account, and an erased customer is no one.
    const auto as_staff = w.authenticate(Credentials{.vouched_for = Principal{Role::staff, ada.customer.ulid}});
    REQUIRE_FALSE(as_staff.has_value());
    CHECK(as_staff.error().message == messages::invalid_token);
    REQUIRE(w.customers.remove(Credentials{.vouched_for = Principal{Role::staff, staff_id}},
                               ada.customer.ulid.to_string())
                .has_value());
    const auto erased = w.authenticate(Credentials{.vouched_for = Principal{Role::customer, ada.customer.ulid}});
    REQUIRE_FALSE(erased.has_value());
    CHECK(erased.error().message == messages::invalid_token);
}
