#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using namespace jambo::testing;
using http::Method;

namespace {
const std::string absent_ulid = "01HWJ8WH9X8WBK65EMGY9YKPBS";

std::string forbidden_body() { return R"({"statusCode":403,"body":"You do not have permission to perform this action."})"; }
}  // namespace

TEST_CASE("GET /api/customer/{ulid}: staff any - customer only its own", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    auto [mine, token] = f.add_customer(1);
    auto [other, other_token] = f.add_customer(2);

    auto by_staff = f.get("/api/customer/" + other, staff);
    REQUIRE(by_staff.status == 200);
    CHECK(parse(by_staff).at("body").at("ulid") == other);
    CHECK(f.get("/api/customer/" + mine + "/", token).status == 200);

    auto not_found = f.get("/api/customer/" + absent_ulid, staff);
    CHECK(not_found.status == 404);
    CHECK(not_found.body == R"({"statusCode":404,"body":"Not found."})");
    CHECK(f.get("/api/customer/not-a-ulid", staff).status == 404);

    for (const auto& target : {other, absent_ulid, std::string("not-a-ulid")}) {
        auto response = f.get("/api/customer/" + target, token);
        CHECK(response.status == 403);
        CHECK(response.body == forbidden_body());
    }
    CHECK(f.get("/api/customer/" + mine).status == 401);
}

TEST_CASE("PUT and PATCH /api/customers edit the caller's own record", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    auto body = customer_body(1);
    body["last_name"] = "Akama";
    auto put = f.json(Method::put, "/api/customers", body, token);
    REQUIRE(put.status == 200);
    CHECK(parse(put).at("body").at("last_name") == "Akama");
    CHECK(parse(put).at("body").at("ulid") == ulid);

    auto patch = f.json(Method::patch, "/api/customers", boost::json::object{{"first_name", "Joseph"}}, token);
    REQUIRE(patch.status == 200);
    CHECK(parse(patch).at("body").at("first_name") == "Joseph");
    CHECK(parse(patch).at("body").at("last_name") == "Akama");

    auto partial_put = f.json(Method::put, "/api/customers", boost::json::object{{"first_name", "X"}}, token);
    CHECK(partial_put.status == 400);
    CHECK(parse(partial_put).at("body").at("email").as_array().at(0) == core::messages::required);

    CHECK(f.json(Method::put, "/api/customers", body, f.staff_token()).status == 403);
    CHECK(f.json(Method::put, "/api/customers", body).status == 401);
}

TEST_CASE("a bad body to an endpoint needing a token: 401 - 403 - 404 first - then 400 or 415", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    auto [ulid, token] = f.add_customer(1);
    auto [other, other_token] = f.add_customer(2);
    const Header json{"Content-Type", "application/json"};
    const Header text{"Content-Type", "text/plain"};
    const auto before = f.get("/api/customer/" + ulid, staff).body;

    auto anonymous = f.call(Method::put, "/api/customers", "{oops", {json});
    CHECK(anonymous.status == 401);
    CHECK(anonymous.headers.find("WWW-Authenticate") == "Bearer");
    CHECK(f.call(Method::patch, "/api/customer/" + ulid, "x", {text}).status == 401);

    // What the caller may not do is said before what is wrong with its body, as DRF does.
    auto staff_self = f.call(Method::put, "/api/customers", "{oops", {json, {"Authorization", bearer(staff)}});
    CHECK(staff_self.status == 403);
    CHECK(staff_self.body == forbidden_body());
    for (const auto& target : {other, ulid, absent_ulid}) {
        auto by_customer = f.call(Method::patch, "/api/customer/" + target, "x", {text, {"Authorization", bearer(token)}});
        CHECK(by_customer.status == 403);
        CHECK(by_customer.body == forbidden_body());
    }
    for (const auto& target : {absent_ulid, std::string("not-a-ulid")}) {
        auto missing = f.call(Method::put, "/api/customer/" + target, "{oops", {json, {"Authorization", bearer(staff)}});
        CHECK(missing.status == 404);
        CHECK(missing.body == R"({"statusCode":404,"body":"Not found."})");
    }

    // A caller that may: the body's own 400 or 415.
    auto malformed = f.call(Method::patch, "/api/customers", "{oops", {json, {"Authorization", bearer(token)}});
    CHECK(malformed.status == 400);
    CHECK(parse(malformed).at("body").as_string().starts_with("Malformed request body: "));
    auto unsupported = f.call(Method::put, "/api/customer/" + ulid, "x", {text, {"Authorization", bearer(staff)}});
    CHECK(unsupported.status == 415);
    CHECK(f.get("/api/customer/" + ulid, staff).body == before);
}

TEST_CASE("PUT and PATCH /api/customer/{ulid} are for staff", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    auto [ulid, token] = f.add_customer(1);
    auto body = customer_body(1);
    body["nationality"] = "ME";
    auto put = f.json(Method::put, "/api/customer/" + ulid, body, staff);
    REQUIRE(put.status == 200);
    CHECK(parse(put).at("body").at("nationality") == "Montenegro");
    auto patch = f.json(Method::patch, "/api/customer/" + ulid, boost::json::object{{"dob", "1989-05-10"}}, staff);
    REQUIRE(patch.status == 200);
    CHECK(parse(patch).at("body").at("dob") == "1989-05-10");
    CHECK(f.json(Method::put, "/api/customer/" + absent_ulid, body, staff).status == 404);
    auto by_customer = f.json(Method::put, "/api/customer/" + ulid, body, token);
    CHECK(by_customer.status == 403);
    CHECK(by_customer.body == forbidden_body());
    auto future = f.json(Method::patch, "/api/customer/" + ulid, boost::json::object{{"dob", "2999-01-01"}}, staff);
    CHECK(future.status == 400);
    CHECK(parse(future).at("body").at("dob").as_array().at(0) == core::messages::future_date);
}

TEST_CASE("DELETE /api/customer/{ulid}: 204 without a body for staff or self", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    auto [first, first_token] = f.add_customer(1);
    auto [second, second_token] = f.add_customer(2);

    auto other = f.call(Method::delete_, "/api/customer/" + second, {}, {{"Authorization", bearer(first_token)}});
    CHECK(other.status == 403);

    auto self = f.call(Method::delete_, "/api/customer/" + first, {}, {{"Authorization", bearer(first_token)}});
    CHECK(self.status == 204);
    CHECK(self.body.empty());
    CHECK_FALSE(self.headers.find("Content-Type"));
    CHECK(f.get("/api/customers", first_token).status == 401);  // its tokens went with it

    auto by_staff = f.call(Method::delete_, "/api/customer/" + second, {}, {{"Authorization", bearer(staff)}});
    CHECK(by_staff.status == 204);
    auto again = f.call(Method::delete_, "/api/customer/" + second, {}, {{"Authorization", bearer(staff)}});
    CHECK(again.status == 404);
    CHECK(f.call(Method::delete_, "/api/customer/" + second).status == 401);
}
