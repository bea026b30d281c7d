#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using namespace jambo::testing;
using http::Method;

namespace {

struct Listed {
    boost::json::object page;
    std::vector<std::string> ulids;
};

Listed list(ApiFixture& f, const std::string& target, const std::string& token) {
    auto response = f.get(target, token);
    REQUIRE(response.status == 200);
    Listed listed{parse(response).as_object(), {}};
    for (const auto& customer : listed.page.at("results").at("body").as_array()) {
        listed.ulids.emplace_back(customer.at("ulid").as_string());
    }
    return listed;
}

// Registers customers 1..n; their ulids in creation order.
std::vector<std::string> add_customers(ApiFixture& f, int n) {
    std::vector<std::string> ulids;
    for (int i = 1; i <= n; ++i) ulids.push_back(f.add_customer(i).first);
    return ulids;
}

}  // namespace

TEST_CASE("staff list customers in the seed's paginated shape with absolute links", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    const auto ulids = add_customers(f, 5);

    auto first = list(f, "/api/customers?page_size=2", staff);
    CHECK(key_order(first.page) == std::vector<std::string>{"count", "next", "previous", "results"});
    CHECK(first.page.at("count") == 5);
    CHECK(first.page.at("next") == "http://jambo.test/api/customers?page=2&page_size=2");
    CHECK(first.page.at("previous").is_null());
    CHECK(key_order(first.page.at("results").as_object()) == std::vector<std::string>{"statusCode", "body"});
    CHECK(first.page.at("results").at("statusCode") == 200);
    CHECK(first.ulids == std::vector<std::string>{ulids[0], ulids[1]});

    auto second = list(f, "/api/customers/?page=2&page_size=2", staff);
    CHECK(second.page.at("previous") == "http://jambo.test/api/customers?page_size=2");
    CHECK(second.page.at("next") == "http://jambo.test/api/customers?page=3&page_size=2");
    CHECK(second.ulids == std::vector<std::string>{ulids[2], ulids[3]});

    auto third = list(f, "/api/customers?page=3&page_size=2", staff);
    CHECK(third.page.at("next").is_null());
    CHECK(third.page.at("previous") == "http://jambo.test/api/customers?page=2&page_size=2");
    CHECK(third.ulids == std::vector<std::string>{ulids[4]});

    auto all = list(f, "/api/customers", staff);
    CHECK(all.ulids == ulids);
    CHECK(all.page.at("next").is_null());
}

TEST_CASE("a page past the end or not a number is 404 Invalid page.", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    f.add_customer(1);
    for (auto target : {"/api/customers?page=2", "/api/customers?page=abc", "/api/customers?page=0"}) {
        auto response = f.get(target, staff);
        CHECK(response.status == 404);
        CHECK(response.body == R"({"statusCode":404,"body":"Invalid page."})");
    }
}

TEST_CASE("a page given as ?page= or ?page=+2 is read as Django reads it - an empty after is no cursor", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    const auto ulids = add_customers(f, 3);
    auto empty = list(f, "/api/customers?page=&page_size=2", staff);
    CHECK(empty.ulids == std::vector<std::string>{ulids[0], ulids[1]});
    CHECK(empty.page.at("next") == "http://jambo.test/api/customers?page=2&page_size=2");
    CHECK(list(f, "/api/customers?after=&page_size=2", staff).ulids == empty.ulids);
    // `+` is a space in a query, and int(" 2") is 2.
    auto signed_page = list(f, "/api/customers?page=+2&page_size=%2B2", staff);
    CHECK(signed_page.ulids == std::vector<std::string>{ulids[2]});
    CHECK(signed_page.page.at("previous") == "http://jambo.test/api/customers?page_size=2");
}

TEST_CASE("a query with a bad escape is read as Django reads it - the caller is judged first", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    auto [ulid, token] = f.add_customer(1);
    auto anonymous = f.get("/api/customers?page=%zz");
    CHECK(anonymous.status == 401);
    CHECK(anonymous.headers.find("WWW-Authenticate") == "Bearer");
    CHECK(f.get("/api/customers?page=%zz", staff).body == R"({"statusCode":404,"body":"Invalid page."})");
    CHECK(list(f, "/api/customers?%zz=1", staff).ulids == std::vector<std::string>{ulid});
    auto own = f.get("/api/customers?page=%zz", token);
    REQUIRE(own.status == 200);
    CHECK(parse(own).at("body").at("ulid") == ulid);
}

TEST_CASE("keyset paging continues after a ulid and links onward with after=", "[http]") {
    ApiFixture f;
    auto staff = f.staff_token();
    const auto ulids = add_customers(f, 5);
    auto page = list(f, "/api/customers?after=" + ulids[1] + "&page_size=2", staff);
    CHECK(page.page.at("count") == 5);
    CHECK(page.ulids == std::vector<std::string>{ulids[2], ulids[3]});
    CHECK(page.page.at("next") == "http://jambo.test/api/customers?after=" + ulids[3] + "&page_size=2");
    auto last = list(f, "/api/customers?after=" + ulids[3] + "&page_size=2", staff);
    CHECK(last.ulids == std::vector<std::string>{ulids[4]});
    CHECK(last.page.at("next").is_null());
}

TEST_CASE("a customer listing gets its own record - without a token it is 401", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    f.add_customer(2);
    auto own = f.get("/api/customers", token);
    REQUIRE(own.status == 200);
    auto envelope = parse(own).as_object();
    CHECK(key_order(envelope) == std::vector<std::string>{"statusCode", "body"});
    CHECK(envelope.at("body").at("ulid") == ulid);

    auto anonymous = f.get("/api/customers");
    CHECK(anonymous.status == 401);
    CHECK(anonymous.headers.find("WWW-Authenticate") == "Bearer");
    CHECK(anonymous.body == R"({"statusCode":401,"body":"Authentication credentials were not provided."})");
    auto wrong = f.get("/api/customers", "jmb_" + std::string(43, 'A'));
    CHECK(wrong.status == 401);
    CHECK(wrong.headers.find("WWW-Authenticate") == "Bearer");
    CHECK(wrong.body == R"({"statusCode":401,"body":"Invalid token."})");
    auto garbage = f.call(Method::get, "/api/customers", {}, {{"Authorization", "Basic abc"}});
    CHECK(garbage.status == 401);
}
