#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using namespace jambo::testing;
using http::Method;

namespace {

constexpr auto browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

http::Response request_deletion(ApiFixture& f, const std::string& ulid, const std::string& token,
                                 const std::string& body = {}, const std::string& type = "application/json") {
    std::initializer_list<Header> with_body = {{"Authorization", bearer(token)}, {"Content-Type", type}};
    std::initializer_list<Header> without = {{"Authorization", bearer(token)}};
    return f.call(Method::post, "/api/customer/" + ulid + "/delete/request", body, body.empty() ? without : with_body);
}

std::string confirm_path(const std::string& deletion_token) {
    return "/api/customer/" + deletion_token + "/delete/confirm";
}

std::uint64_t customer_count(ApiFixture& f) {
    auto tx = f.store.inner.begin(core::TransactionMode::read);
    return tx->customers().count();
}

std::string latest_mail_body(ApiFixture& f) {
    auto tx = f.store.inner.begin(core::TransactionMode::read);
    auto due = tx->outbox().due(f.clock.now() + std::chrono::hours(24), 100);
    return due.empty() ? std::string() : due.back().body;
}

}  // namespace

TEST_CASE("a customer requests deletion: 200 and a mail with the link is queued", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    auto response = request_deletion(f, ulid, token);
    CHECK(response.status == 200);
    CHECK(response.body == R"({"statusCode":200,"body":"Data deletion link sent successfully"})");
    auto deletion_token = f.latest_deletion_token();
    CHECK(core::is_well_formed_deletion_token(deletion_token));
    CHECK(latest_mail_body(f).find("http://jambo.test" + confirm_path(deletion_token)) != std::string::npos);
}

TEST_CASE("the link base is an allowed origin from a JSON or form body - with PUT too", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    CHECK(request_deletion(f, ulid, token, R"({"origin":"https://APP.example/"})").status == 200);
    CHECK(latest_mail_body(f).find("https://app.example/api/customer/") != std::string::npos);
    auto form = f.call(Method::put, "/api/customer/" + ulid + "/delete/request", "origin=http%3A%2F%2Fjambo.test",
                       {{"Authorization", bearer(token)}, {"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(form.status == 200);
    CHECK(latest_mail_body(f).find("http://jambo.test/api/customer/") != std::string::npos);
}

TEST_CASE("deletion requests are refused as the seed and the contract say", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    auto [other, other_token] = f.add_customer(2);

    auto anonymous = f.call(Method::post, "/api/customer/" + ulid + "/delete/request");
    CHECK(anonymous.status == 400);
    CHECK(anonymous.body == R"({"statusCode":400,"body":"Customer Not Found or is Invalid"})");
    CHECK(request_deletion(f, ulid, "jmb_" + std::string(43, 'x')).status == 400);
    // Two Authorization headers are one malformed token, whichever they are.
    auto twice = f.call(Method::post, "/api/customer/" + ulid + "/delete/request", {},
                        {{"Authorization", bearer(token)}, {"Authorization", bearer(token)}});
    CHECK(twice.status == 400);
    CHECK(twice.body == R"({"statusCode":400,"body":"Customer Not Found or is Invalid"})");
    CHECK(request_deletion(f, ulid, other_token).status == 403);
    CHECK(request_deletion(f, ulid, f.staff_token()).status == 403);

    auto evil = request_deletion(f, ulid, token, R"({"origin":"https://evil.example"})");
    CHECK(evil.status == 400);
    CHECK(evil.body == R"({"statusCode":400,"body":"Origin not allowed."})");
    for (const auto* not_text : {R"({"origin":42})", R"({"origin":{"host":"x"}})", R"({"origin":["https://a.example"]})"}) {
        INFO(not_text);
        const auto typed = request_deletion(f, ulid, token, not_text);
        CHECK(typed.status == 400);
        CHECK(typed.body == R"({"statusCode":400,"body":{"origin":["Not a valid string."]}})");
    }
    auto not_utf8 = request_deletion(f, ulid, token, "origin=https%3A%2F%2Fapp.example%FF", "application/x-www-form-urlencoded");
    CHECK(not_utf8.status == 400);
    CHECK(not_utf8.body == R"({"statusCode":400,"body":{"origin":["Enter valid UTF-8 text."]}})");
    auto null_origin = request_deletion(f, ulid, token, R"({"origin":null})");
    CHECK(null_origin.body == R"({"statusCode":400,"body":{"origin":["This field may not be null."]}})");
    CHECK(request_deletion(f, ulid, token, "{bad", "application/json").status == 400);
    CHECK(request_deletion(f, ulid, token, "origin=x", "text/plain").status == 415);

    // With a body that cannot be read, the token is still judged first.
    auto anonymous_bad_body = f.call(Method::post, "/api/customer/" + ulid + "/delete/request", "{bad",
                                     {{"Content-Type", "application/json"}});
    CHECK(anonymous_bad_body.body == R"({"statusCode":400,"body":"Customer Not Found or is Invalid"})");
    CHECK(request_deletion(f, ulid, other_token, "{bad").status == 403);
    CHECK(request_deletion(f, ulid, f.staff_token(), "origin=x", "text/plain").status == 403);
    CHECK(latest_mail_body(f).empty());
}

TEST_CASE("more than three accepted requests an hour get 429 with Retry-After", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    CHECK(request_deletion(f, ulid, token, R"({"origin":"https://evil.example"})").status == 400);
    for (int i = 0; i < 3; ++i) {
        CHECK(request_deletion(f, ulid, token).status == 200);
        f.clock.advance(std::chrono::minutes(10));
    }
    auto limited = request_deletion(f, ulid, token);
    CHECK(limited.status == 429);
    CHECK(limited.headers.find("Retry-After") == std::to_string(30 * 60));
    CHECK(parse(limited).at("statusCode") == 429);
    // The wait in words too, for a client that shows people the message but not the header.
    CHECK(parse(limited).at("body") == "Too many deletion requests; try again in 30 minutes.");
    f.clock.advance(std::chrono::seconds(30 * 60 - 60));
    CHECK(parse(request_deletion(f, ulid, token)).at("body") == "Too many deletion requests; try again in 1 minute.");
    f.clock.advance(std::chrono::seconds(59));
    CHECK(parse(request_deletion(f, ulid, token)).at("body") == "Too many deletion requests; try again in 1 second.");
    f.clock.advance(std::chrono::minutes(1));
    CHECK(request_deletion(f, ulid, token).status == 200);
}

TEST_CASE("an API client's GET of the link deletes - the link then is 404 with detail", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    f.add_customer(2);
    REQUIRE(request_deletion(f, ulid, token).status == 200);
    auto link = confirm_path(f.latest_deletion_token());
    auto confirmed = f.call(Method::get, link, {}, {{"Accept", "*/*"}});
    CHECK(confirmed.status == 200);
    CHECK(confirmed.body == R"({"statusCode":200,"body":"Customer deleted successfully"})");
    CHECK(customer_count(f) == 1);
    CHECK(f.get("/api/customers", token).status == 401);
    CHECK(latest_mail_body(f).empty());  // its queued mail went with it

    auto used = f.call(Method::get, link);
    CHECK(used.status == 404);
    auto body = parse(used).as_object();
    CHECK(key_order(body) == std::vector<std::string>{"statusCode", "body", "detail"});
    CHECK(body.at("body") == "No Token matches the given query.");
    CHECK(body.at("detail") == "No Token matches the given query.");
    CHECK(f.call(Method::post, confirm_path("not-a-token")).status == 404);
}

TEST_CASE("an expired link is 410 and deletes nothing", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    REQUIRE(request_deletion(f, ulid, token).status == 200);
    auto link = confirm_path(f.latest_deletion_token());
    f.clock.advance(std::chrono::hours(1) + std::chrono::seconds(1));
    auto expired = f.call(Method::post, link);
    CHECK(expired.status == 410);
    CHECK(expired.body == R"({"statusCode":410,"body":"This deletion link has expired; request a new one."})");
    auto page = f.call(Method::get, link, {}, {{"Accept", browser_accept}});
    CHECK(page.status == 410);
    CHECK(page.headers.find("Content-Type") == "text/html; charset=utf-8");
    CHECK(page.body.find("<p>This deletion link has expired; request a new one.</p>") != std::string::npos);
    // The page cannot ask for one itself (that takes the customer's token): it says where to.
    CHECK(page.body.find("ask for a new link where you asked for this one") != std::string::npos);
    CHECK(customer_count(f) == 1);
}

TEST_CASE("with confirm-on-get never - a GET only describes and POST deletes", "[http]") {
    ApiFixture f(http::ApiOptions{http::ConfirmOnGet::never});
    auto [ulid, token] = f.add_customer(1);
    REQUIRE(request_deletion(f, ulid, token).status == 200);
    auto link = confirm_path(f.latest_deletion_token());
    auto described = f.call(Method::get, link);
    CHECK(described.status == 200);
    CHECK(customer_count(f) == 1);
    CHECK(f.call(Method::post, link).status == 200);
    CHECK(customer_count(f) == 0);
    CHECK(f.call(Method::get, link).status == 404);
}

TEST_CASE("a browser sees a page with a POST button - GET never deletes - the POST does", "[http]") {
    ApiFixture f;
    auto [ulid, token] = f.add_customer(1);
    REQUIRE(request_deletion(f, ulid, token).status == 200);
    auto link = confirm_path(f.latest_deletion_token());

    // Two Accept fields are read as one ("*/*, text/html"): text/html named, JSON only through
    // the wildcard, so a browser.
    auto split = f.call(Method::get, link, {}, {{"Accept", "*/*"}, {"Accept", "text/html"}});
    CHECK(split.headers.find("Content-Type") == "text/html; charset=utf-8");
    CHECK(customer_count(f) == 1);

    auto page = f.call(Method::get, link, {}, {{"Accept", browser_accept}});
    REQUIRE(page.status == 200);
    CHECK(page.headers.find("Content-Type") == "text/html; charset=utf-8");
    CHECK(page.headers.find("Referrer-Policy") == "no-referrer");
    CHECK(page.headers.find("Content-Security-Policy").value().starts_with("default-src 'none'"));
    CHECK(page.body.find("<form method=\"post\">") != std::string::npos);
    CHECK(page.body.find("<dd><bdi>customer0001@example.org</bdi></dd>") != std::string::npos);
    // What goes is the whole record, as the mail says, not only what the page shows of it.
    CHECK(page.body.find("your name, date of birth, nationality, email address and phone number") !=
          std::string::npos);
    CHECK(page.body.find("<script") == std::string::npos);
    CHECK(customer_count(f) == 1);

    auto done = f.call(Method::post, link, {},
                       {{"Accept", browser_accept}, {"Content-Type", "application/x-www-form-urlencoded"}});
    CHECK(done.status == 200);
    CHECK(done.headers.find("Content-Type") == "text/html; charset=utf-8");
    CHECK(done.body.find("deleted") != std::string::npos);
    CHECK(customer_count(f) == 0);

    auto again = f.call(Method::get, link, {}, {{"Accept", browser_accept}});
    CHECK(again.status == 404);
    CHECK(again.headers.find("Content-Type") == "text/html; charset=utf-8");
    // Opened again a moment later (a second click, a reload), the page says the link was used:
    // the link went with the record, and only the service's memory of it tells it from an
    // unknown one.
    CHECK(again.body.find("<h1>This link has been used</h1>") != std::string::npos);
    CHECK(again.body.find("<p>Your data was deleted with this link at ") != std::string::npos);
    CHECK(again.body.find("Nothing was deleted.") == std::string::npos);
    auto again_posted = f.call(Method::post, link, {}, {{"Accept", browser_accept}});
    CHECK(again_posted.status == 404);
    CHECK(again_posted.body == again.body);
    CHECK(f.call(Method::get, link).body.find("No Token matches the given query.") != std::string::npos);  // JSON

    // A link never issued: the page cannot know more, and says what may have happened, in a
    // person's words (the JSON's message is Django's, for programs).
    auto unknown = f.call(Method::get, confirm_path(std::string(43, 'A')), {}, {{"Accept", browser_accept}});
    CHECK(unknown.status == 404);
    CHECK(unknown.body.find("<h1>This link cannot be used</h1>") != std::string::npos);
    CHECK(unknown.body.find("If you already pressed &quot;Delete my data&quot; with it, your data was deleted then, "
                            "and there is nothing more to do") != std::string::npos);
    CHECK(unknown.body.find("No Token matches") == std::string::npos);
}

TEST_CASE("HEAD of the link never deletes - for API clients and browsers alike", "[http]") {
    ApiFixture f;  // confirm-on-get api: a JSON client's GET would delete
    auto [ulid, token] = f.add_customer(1);
    REQUIRE(request_deletion(f, ulid, token).status == 200);
    auto link = confirm_path(f.latest_deletion_token());
    auto api_head = f.call(Method::head, link, {}, {{"Accept", "*/*"}});
    CHECK(api_head.status == 200);
    CHECK(api_head.headers.find("Content-Type") == "application/json; charset=utf-8");
    auto browser_head = f.call(Method::head, link, {}, {{"Accept", browser_accept}});
    CHECK(browser_head.status == 200);
    CHECK(browser_head.headers.find("Content-Type") == "text/html; charset=utf-8");
    CHECK(customer_count(f) == 1);
    CHECK(f.call(Method::head, confirm_path("not-a-token")).status == 404);
    CHECK(f.call(Method::get, link, {}, {{"Accept", "*/*"}}).status == 200);  // the link still works
    CHECK(customer_count(f) == 0);
}
