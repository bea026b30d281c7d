#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using namespace jambo::testing;
using http::Method;

TEST_CASE("GET /api/status is 200 OK - 503 when the store does not answer", "[http]") {
    ApiFixture f;
    auto ok = f.get("/api/status");
    CHECK(ok.status == 200);
    CHECK(ok.body == R"({"statusCode":200,"body":"OK"})");
    f.store.mode = SwitchableStore::Mode::unhealthy;
    auto down = f.get("/api/status");
    CHECK(down.status == 503);
    CHECK(parse(down).at("statusCode") == 503);
}

TEST_CASE("GET /api/nationalities lists code and display name - sorted by name", "[http]") {
    ApiFixture f;
    auto response = f.get("/api/nationalities");
    REQUIRE(response.status == 200);
    auto list = parse(response).at("body").as_array();
    CHECK(list.size() == 249);
    CHECK(list.at(0) == boost::json::object{{"code", "AF"}, {"name", "Afghanistan"}});
    CHECK(key_order(list.at(0).as_object()) == std::vector<std::string>{"code", "name"});
    bool lesotho = false;
    bool bolivia = false;
    for (const auto& entry : list) {
        lesotho = lesotho || entry == boost::json::object{{"code", "LS"}, {"name", "Lesotho"}};
        bolivia = bolivia || entry == boost::json::object{{"code", "BO"}, {"name", "Bolivia"}};
    }
    CHECK(lesotho);
    CHECK(bolivia);
    CHECK(f.call(Method::head, "/api/nationalities").status == 200);
}

TEST_CASE("a store that cannot write is 503 without its details - a broken one is 500", "[http]") {
    ApiFixture f;
    f.store.mode = SwitchableStore::Mode::unavailable;
    auto unavailable = f.json(Method::post, "/api/customers", customer_body(1));
    CHECK(unavailable.status == 503);
    CHECK(unavailable.body.find("/secret") == std::string::npos);
    f.store.mode = SwitchableStore::Mode::broken;
    auto broken = f.json(Method::post, "/api/customers", customer_body(1));
    CHECK(broken.status == 500);
    CHECK(broken.body == R"({"statusCode":500,"body":"Internal server error."})");
    CHECK(broken.headers.find("X-Request-Id").has_value());
}

TEST_CASE("every JSON response has the envelope whose statusCode is the HTTP status", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    for (const auto& response : {f.get("/api/status"), f.get("/nope"), f.call(Method::put, "/api/status"),
                                 f.get("/api/customers"), f.get("/api/customer/x", staff),
                                 f.json(Method::post, "/api/customers", boost::json::object{})}) {
        CHECK(response.headers.find("Content-Type") == "application/json; charset=utf-8");
        CHECK(parse(response).at("statusCode") == response.status);
        CHECK(response.headers.find("Cache-Control") == "no-store");
    }
}
