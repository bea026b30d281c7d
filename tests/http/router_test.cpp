#include <jambo/http/api.hpp>
#include <jambo/http/router.hpp>

#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;
using http::Method;

namespace {

http::Router sample_router() {
    http::Router router;
    router.add({Method::get, Method::head}, "/api/things", [](const http::Request&, const http::PathParams&) {
        return http::Response{200, {}, "list"};
    });
    router.add({Method::post}, "/api/things", [](const http::Request&, const http::PathParams&) {
        return http::Response{201, {}, "made"};
    });
    router.add({Method::get}, "/api/thing/{id}/part/{part}", [](const http::Request&, const http::PathParams& p) {
        return http::Response{200, {}, p[0] + "|" + p[1]};
    });
    return router;
}

}  // namespace

TEST_CASE("the router finds a handler by method and path", "[http]") {
    auto router = sample_router();
    CHECK(router.route(http::Request::make(Method::get, "/api/things")).body == "list");
    CHECK(router.route(http::Request::make(Method::post, "/api/things")).status == 201);
    CHECK(router.route(http::Request::make(Method::get, "/api/thing/a%20b/part/7")).body == "a b|7");
}

TEST_CASE("a trailing slash and a query string do not change the route", "[http]") {
    auto router = sample_router();
    CHECK(router.route(http::Request::make(Method::get, "/api/things/")).body == "list");
    CHECK(router.route(http::Request::make(Method::get, "/api/things/?page=2")).body == "list");
    CHECK(router.route(http::Request::make(Method::get, "http://host:8000/api/things")).body == "list");
}

TEST_CASE("a path of plain characters splits as its percent-encoded spelling does", "[http]") {
    // Plain paths are cut without the URL parser; every octet encoded takes the parser's way.
    const auto encoded = [](std::string_view path) {
        static constexpr char hex[] = "0123456789ABCDEF";
        std::string out;
        for (unsigned char c : path) {
            if (c == '/') {
                out += '/';
            } else {
                out += '%';
                out += hex[c >> 4];
                out += hex[c & 0xF];
            }
        }
        return out;
    };
    for (std::string_view path : {"/api/status", "/api/customer/01ARZ3NDEKTSV4RRFFQ69G5FAV", "/api/customers/",
                                  "/a-b_c~d/E9", "/api/customer/x/delete/confirm/tok-en_~"}) {
        INFO(path);
        const auto plain = http::split_path(path);
        REQUIRE(plain.has_value());
        CHECK(plain == http::split_path(encoded(path)));
        CHECK(plain->back() != "");
    }
    CHECK(http::split_path("/api/thing/01ARZ3NDEKTSV4RRFFQ69G5FAV/part/7") ==
          std::vector<std::string>{"api", "thing", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "part", "7"});
    // Empty segments and dot segments are the parser's: refused, or read as RFC 3986 says.
    CHECK_FALSE(http::split_path("/api//status").has_value());
    CHECK(http::split_path("/") == std::vector<std::string>{});
    CHECK(http::split_path("/./api/status") == http::split_path("/api/status"));
}

TEST_CASE("an unknown path is a 404 envelope", "[http]") {
    auto router = sample_router();
    for (auto target : {"/", "/api", "/api/thingz", "/api//things", "/api/thing/1/part", "relative"}) {
        auto response = router.route(http::Request::make(Method::get, target));
        CHECK(response.status == 404);
        CHECK(response.body == R"({"statusCode":404,"body":"Not found."})");
    }
}

TEST_CASE("a known path with another method is a 405 naming the allowed ones", "[http]") {
    auto router = sample_router();
    auto request = http::Request::make(Method::other, "/api/things");
    request.method_text = "BREW";
    auto response = router.route(request);
    CHECK(response.status == 405);
    CHECK(response.headers.find("Allow") == "GET, HEAD, POST");
    CHECK(response.body == R"({"statusCode":405,"body":"Method \"BREW\" not allowed."})");
    CHECK(response.headers.find("Content-Type") == "application/json; charset=utf-8");
}

TEST_CASE("paths and methods of the whole API answer 404 and 405 as the contract says", "[http]") {
    testing::ApiFixture f;
    CHECK(f.call(Method::get, "/api/unknown").status == 404);
    CHECK(f.call(Method::get, "/nothing/here").status == 404);
    auto response = f.call(Method::delete_, "/api/customers");
    CHECK(response.status == 405);
    CHECK(response.headers.find("Allow") == "POST, GET, HEAD, PUT, PATCH");
    CHECK(f.call(Method::post, "/api/status").headers.find("Allow") == "GET, HEAD");
    CHECK(f.call(Method::get, "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS/delete/request").headers.find("Allow") ==
          "POST, PUT");
    CHECK(f.call(Method::delete_, "/api/customer/x/delete/confirm").headers.find("Allow") == "GET, HEAD, POST");
    CHECK(f.call(Method::post, "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS").headers.find("Allow") ==
          "GET, HEAD, PUT, PATCH, DELETE");
}

TEST_CASE("every response carries a request id: the client's if sane - else a new ULID", "[http]") {
    testing::ApiFixture f;
    auto echoed = f.call(Method::get, "/api/status", {}, {{"X-Request-Id", "abc-123.x:y_z"}});
    CHECK(echoed.headers.find("X-Request-Id") == "abc-123.x:y_z");
    for (auto sane : {std::string("01HWJ8WH9X8WBK65EMGY9YKPBS"), std::string("123e4567-e89b-12d3-a456-426614174000"),
                      std::string(64, 'f'), "00-" + std::string(32, 'a') + "-" + std::string(16, 'b') + "-01",
                      std::string(31, 'Z')}) {
        CHECK(f.call(Method::get, "/api/status", {}, {{"X-Request-Id", sane}}).headers.find("X-Request-Id") == sane);
    }
    // Ids that could carry a token are not echoed: the id is logged, and tokens never are.
    for (auto insane : {std::string("has space"), std::string(200, 'a'), std::string("quote\""), std::string(),
                        "jmb_" + std::string(43, 'A'), std::string("req-jmb_x"), std::string(43, 'Z'),
                        "x-" + std::string(43, 'Z') + ".1",
                        // A token cut at the separators an id may hold is still a token.
                        std::string(21, 'Q') + "." + std::string(22, 'R'), std::string(20, 'S') + ":" + std::string(23, 'T'),
                        // Most of one: a token cut short by a character or eleven.
                        std::string(42, 'Z'), std::string(32, 'Z'), std::string(16, 'Q') + "." + std::string(16, 'R')}) {
        auto response = f.call(Method::get, "/api/status", {}, {{"X-Request-Id", insane}});
        auto id = std::string(response.headers.find("X-Request-Id").value());
        CHECK(id.size() == 26);
        CHECK(core::Ulid::parse(id).has_value());
    }
    CHECK(f.call(Method::get, "/nowhere").headers.find("X-Request-Id").has_value());
    CHECK(f.call(Method::put, "/api/status").headers.find("X-Request-Id").has_value());
}

TEST_CASE("route_async starts the matching route's async handler and declines every other request", "[http]") {
    http::Router router;
    std::vector<std::string> started;
    router.add({Method::post}, "/api/thing/{id}",
               [&](const http::Request&, const http::PathParams& p, const http::Responder& respond) {
                   started.push_back(p[0]);
                   respond([] { return http::Response{202, {}, "later"}; });
               });
    router.add({Method::put}, "/api/thing/{id}", [](const http::Request&, const http::PathParams&) {
        return http::Response{200, {}, "sync only"};
    });

    std::vector<std::string> answers;
    const http::Responder respond = [&](std::function<http::Response()> make) { answers.push_back(make().body); };
    CHECK(router.route_async(http::Request::make(Method::post, "/api/thing/a%20b/"), respond));
    CHECK_FALSE(router.route_async(http::Request::make(Method::put, "/api/thing/x"), respond));
    CHECK_FALSE(router.route_async(http::Request::make(Method::get, "/api/thing/x"), respond));
    CHECK_FALSE(router.route_async(http::Request::make(Method::post, "/api/elsewhere"), respond));
    CHECK_FALSE(router.route_async(http::Request::make(Method::post, "no-slash"), respond));
    CHECK(started == std::vector<std::string>{"a b"});
    CHECK(answers == std::vector<std::string>{"later"});
    // The synchronous table is unchanged by the async handler.
    CHECK(router.route(http::Request::make(Method::put, "/api/thing/x")).body == "sync only");
    // route() answers an async route too: it starts the handler and waits for the answer.
    const auto waited = router.route(http::Request::make(Method::post, "/api/thing/y"));
    CHECK(waited.status == 202);
    CHECK(waited.body == "later");
    CHECK(started == std::vector<std::string>{"a b", "y"});
    // and a 405 still names the methods of both kinds of route.
    const auto refused = router.route(http::Request::make(Method::delete_, "/api/thing/x"));
    CHECK(refused.status == 405);
    CHECK(refused.headers.find("Allow") == std::optional<std::string_view>("POST, PUT"));
}

TEST_CASE("a request that may write is known by its decoded path - the confirm link's GET too", "[http]") {
    using http::Api;
    CHECK(Api::may_block(http::Request::make(Method::post, "/api/customers")));
    CHECK_FALSE(Api::may_block(http::Request::make(Method::get, "/api/customers")));
    for (const char* path : {"/api/customer/abc/delete/confirm", "/api/customer/abc/delete/confirm/",
                             "/api/customer/abc/delete/confir%6D", "/api/customer/abc/%64elete/confirm/",
                             "/api/customer/a%62c/delete/confirm"}) {
        INFO(path);
        CHECK(Api::may_block(http::Request::make(Method::get, path)));
        CHECK(Api::may_block(http::Request::make(Method::head, path)));
    }
    CHECK_FALSE(Api::may_block(http::Request::make(Method::get, "/api/customer/abc/delete/confirm%2Fx")));
    CHECK_FALSE(Api::may_block(http::Request::make(Method::get, "/api/customer/%41")));
}
