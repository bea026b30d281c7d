// Registration and updates through Api::handle_async, as the server runs them with the SQLite
// store: every response must be the one Api::handle gives, byte for byte, headers included.
#include "api_fixture.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

using namespace jambo;
using namespace jambo::testing;
using http::Method;

namespace {

std::string json_text(const boost::json::value& value) { return boost::json::serialize(value); }

// One client's session of registrations and updates, good and bad; the responses in order.
std::vector<http::Response> session(ApiFixture& f) {
    std::vector<http::Response> out;
    const auto send = [&](Method method, const std::string& target, const std::string& body,
                          std::vector<Header> headers) {
        auto request = http::Request::make(method, target, body);
        request.headers.add("X-Request-Id", "req-" + std::to_string(out.size()));
        for (const auto& [name, value] : headers) request.headers.add(name, value);
        out.push_back(f.send(request));
        return out.back();
    };
    const Header json{"Content-Type", "application/json"};

    const auto created = send(Method::post, "/api/customers", json_text(customer_body(1)), {json});
    REQUIRE(created.status == 201);
    const auto body = parse(created).as_object();
    const std::string ulid(body.at("body").at("ulid").as_string());
    const Header self{"Authorization", bearer(std::string(body.at("token").as_string()))};
    const Header staff{"Authorization", bearer(f.staff_token())};
    auto blank = customer_body(2);
    blank["first_name"] = "";
    blank["email"] = "not an address";

    send(Method::post, "/api/customers", json_text(blank), {json});                       // 400, two fields
    send(Method::post, "/api/customers", json_text(customer_body(1)), {json});            // 400, duplicates
    send(Method::post, "/api/customers", "{\"first_name\":", {json});                     // 400, malformed
    send(Method::post, "/api/customers", json_text(customer_body(3)), {{"Content-Type", "text/plain"}});  // 415
    send(Method::put, "/api/customers", json_text(customer_body(4)), {json, self});       // 200
    send(Method::patch, "/api/customers", R"({"last_name":"Kamau"})", {json, self});      // 200
    send(Method::put, "/api/customers", json_text(customer_body(5)), {json});             // 401
    send(Method::put, "/api/customers", "{", {json});                                     // 401 before 400
    send(Method::put, "/api/customers", json_text(customer_body(6)), {json, staff});      // 403
    send(Method::patch, "/api/customer/" + ulid, R"({"middle_name":""})", {json, staff}); // 200
    send(Method::put, "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS", json_text(customer_body(7)), {json, staff});  // 404
    send(Method::put, "/api/customer/" + ulid, json_text(customer_body(8)), {json, self}); // 403
    f.store.mode = SwitchableStore::Mode::unavailable;
    send(Method::post, "/api/customers", json_text(customer_body(9)), {json});            // 503
    f.store.mode = SwitchableStore::Mode::broken;
    send(Method::patch, "/api/customers", R"({"last_name":"Otieno"})", {json, self});     // 500
    return out;
}

}  // namespace

TEST_CASE("registrations and updates answer the same through handle_async as through handle", "[http][queued]") {
    ApiFixture direct;
    ApiFixture queued({}, ApiFixture::test_policy(), Dispatch::queued);
    const auto expected = session(direct);
    const auto got = session(queued);
    REQUIRE(got.size() == expected.size());
    std::vector<unsigned> statuses;
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("request " << i << ": " << got[i].body);
        statuses.push_back(got[i].status);
        CHECK(got[i].status == expected[i].status);
        CHECK(got[i].body == expected[i].body);
        CHECK(got[i].headers.fields() == expected[i].headers.fields());
    }
    CHECK(statuses == std::vector<unsigned>{201, 400, 400, 400, 415, 200, 200, 401, 401, 403, 200, 404, 403, 503, 500});
    // The writes went through the queue: the updates that succeeded are what is stored.
    queued.store.mode = SwitchableStore::Mode::ok;
    const auto stored = parse(queued.get("/api/customer/" + std::string(parse(got[0]).at("body").at("ulid").as_string()),
                                         queued.staff_token()))
                            .at("body");
    CHECK(stored.at("phone_number") == std::string("254700000004"));
    CHECK(stored.at("last_name") == std::string("Kamau"));
    CHECK(stored.at("middle_name") == std::string(""));
}

TEST_CASE("handle_async takes only registration and updates, and only over a store that queues writes",
          "[http][queued]") {
    ApiFixture queued({}, ApiFixture::test_policy(), Dispatch::queued);
    ApiFixture direct;
    const auto taken = [](ApiFixture& f, Method method, const std::string& target) {
        auto request = http::Request::make(method, target, "{}");
        request.headers.add("Content-Type", "application/json");
        bool answered = false;
        const bool took = f.api.handle_async(request, [&](std::function<http::Response()>) { answered = true; });
        f.queuing.run_queued();
        if (took) REQUIRE(answered);
        return took;
    };
    CHECK(taken(queued, Method::post, "/api/customers"));
    CHECK(taken(queued, Method::put, "/api/customers/"));
    CHECK(taken(queued, Method::patch, "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS"));
    CHECK_FALSE(taken(queued, Method::delete_, "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS"));
    CHECK_FALSE(taken(queued, Method::post, "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS/delete/request"));
    CHECK_FALSE(taken(queued, Method::get, "/api/customers"));
    CHECK_FALSE(taken(queued, Method::post, "/api/nowhere"));
    CHECK_FALSE(taken(direct, Method::post, "/api/customers"));
}
