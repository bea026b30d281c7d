#include "api_fixture.hpp"

#include <jambo/core/ports/store.hpp>

#include <stdexcept>

namespace jambo::testing {

std::unique_ptr<core::Transaction> SwitchableStore::begin(core::TransactionMode mode_) {
    if (mode == Mode::unavailable) throw core::StoreUnavailable("disk I/O error at /secret/path");
    if (mode == Mode::broken) throw std::runtime_error("corrupt page 7 in /secret/path");
    return inner.begin(mode_);
}

core::Policy ApiFixture::test_policy() {
    core::Policy policy;
    policy.public_url = "http://jambo.test";
    policy.allowed_origins = {"http://jambo.test", "https://app.example"};
    return policy;
}

ApiFixture::ApiFixture(http::ApiOptions options, core::Policy policy_, Dispatch dispatch)
    : services_store(dispatch == Dispatch::queued ? static_cast<core::Store&>(queuing) : store),
      policy(std::move(policy_)),
      api(http::ApiServices{customers, erasure, services_store, policy}, options) {}

http::Response ApiFixture::send(http::Request& request) {
    std::function<http::Response()> make;
    if (!api.handle_async(request, [&make](std::function<http::Response()> m) { make = std::move(m); })) {
        return api.handle(request);
    }
    if (queuing.queued() > 0) {
        if (make) throw std::logic_error("answered before its queued write ran");
        queuing.run_queued();
    }
    if (!make) throw std::logic_error("handle_async took the request and never answered");
    return make();
}

http::Response ApiFixture::call(http::Method method, const std::string& target, const std::string& body,
                                std::initializer_list<Header> headers) {
    auto request = http::Request::make(method, target, body);
    for (const auto& [name, value] : headers) request.headers.add(name, value);
    return send(request);
}

http::Response ApiFixture::json(http::Method method, const std::string& target, const boost::json::value& body,
                                const std::string& token) {
    auto request = http::Request::make(method, target, boost::json::serialize(body));
    request.headers.add("Content-Type", "application/json");
    if (!token.empty()) request.headers.add("Authorization", bearer(token));
    return send(request);
}

http::Response ApiFixture::get(const std::string& target, const std::string& token) {
    auto request = http::Request::make(http::Method::get, target);
    if (!token.empty()) request.headers.add("Authorization", bearer(token));
    return send(request);
}

std::string ApiFixture::staff_token() {
    static int counter = 0;
    auto token = admin.add_staff("staff" + std::to_string(++counter) + "@jambo.test", "Staff");
    if (!token) throw std::runtime_error("add_staff failed: " + token.error().message);
    return *token;
}

std::pair<std::string, std::string> ApiFixture::add_customer(int n) {
    auto response = json(http::Method::post, "/api/customers", customer_body(n));
    if (response.status != 201) throw std::runtime_error("register failed: " + response.body);
    auto body = parse(response).as_object();
    return {std::string(body.at("body").at("ulid").as_string()), std::string(body.at("token").as_string())};
}

std::string ApiFixture::latest_deletion_token() {
    auto tx = store.inner.begin(core::TransactionMode::read);
    auto due = tx->outbox().due(clock.now() + std::chrono::hours(24 * 365), 1000);
    if (due.empty()) throw std::runtime_error("no mail queued");
    const auto& body = due.back().body;
    auto end = body.find("/delete/confirm");
    auto start = body.rfind('/', end - 1) + 1;
    return body.substr(start, end - start);
}

boost::json::object customer_body(int n) {
    auto suffix = std::to_string(n);
    while (suffix.size() < 4) suffix.insert(0, "0");
    return boost::json::object{{"first_name", "Cynthia"},           {"last_name", "Norris"},
                               {"middle_name", "Alexander"},        {"nationality", "Lesotho"},
                               {"dob", "1912-09-06"},               {"email", "customer" + suffix + "@example.org"},
                               {"phone_number", "0700" + std::string(6 - suffix.size(), '0') + suffix}};
}

boost::json::value parse(const http::Response& response) { return boost::json::parse(response.body); }

std::string bearer(const std::string& token) { return "Bearer " + token; }

std::vector<std::string> key_order(const boost::json::object& object) {
    std::vector<std::string> keys;
    for (const auto& entry : object) keys.emplace_back(entry.key());
    return keys;
}

}  // namespace jambo::testing
