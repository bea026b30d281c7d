#include "unit_support.hpp"

#include <jambo/core/policy.hpp>

using namespace jambo::core;

TEST_CASE("the default policy is the contract's defaults", "[core][policy]") {
    const Policy p;
    CHECK(p.public_url == "http://localhost:8000");
    CHECK(p.default_calling_code == "254");
    CHECK(p.deletion_token_ttl == std::chrono::hours{1});
    CHECK(p.deletion_requests_per_hour == 3);
    CHECK_FALSE(normalised(p).deletion_mails_per_address_per_hour.has_value());  // the contract has no such limit
    CHECK(p.default_page_size == 50);
    CHECK(p.max_page_size == 100);
}

TEST_CASE("a policy is normalised: the public URL without trailing slashes - each origin normalised", "[core][policy]") {
    Policy p;
    p.public_url = "https://jambo.example/base//";
    p.allowed_origins = {"HTTPS://App.Example/", "http://localhost:8000", "not an origin"};
    const auto n = normalised(p);
    CHECK(n.public_url == "https://jambo.example/base");
    CHECK(n.allowed_origins == std::vector<std::string>{"https://app.example", "http://localhost:8000", "not an origin"});
    CHECK(n.deletion_token_ttl == p.deletion_token_ttl);
}

TEST_CASE("an origin is normalised: scheme and host lower-cased, trailing slash dropped", "[core][policy]") {
    CHECK(normalise_origin("HTTPS://App.Example/") == "https://app.example");
    CHECK(normalise_origin("http://localhost:8000") == "http://localhost:8000");
    CHECK(normalise_origin("http://LOCALHOST:8000/") == "http://localhost:8000");
}

TEST_CASE("an origin with another scheme, no host, or a path is refused", "[core][policy]") {
    CHECK_FALSE(normalise_origin("ftp://app.example").has_value());
    CHECK_FALSE(normalise_origin("https://").has_value());
    CHECK_FALSE(normalise_origin("app.example").has_value());
    CHECK_FALSE(normalise_origin("https://app.example/path").has_value());
    CHECK_FALSE(normalise_origin("https://app.example?next=evil").has_value());
    CHECK_FALSE(normalise_origin("").has_value());
}

TEST_CASE("an origin's host is a DNS name, an IPv4 address or a bracketed IPv6 literal", "[core][policy]") {
    for (const auto* bad : {"http://x..y", "http://-x-", "http://x-.example", "http://.example", "http://example..",
                            "http://.", "http://a_b.example", "http://[::1", "http://[zz::1]", "http://[]",
                            "http://a123456789012345678901234567890123456789012345678901234567890123.example"}) {
        INFO(bad);
        CHECK_FALSE(normalise_origin(bad).has_value());
    }
    CHECK(normalise_origin("http://192.168.0.1:8080") == std::optional<std::string>{"http://192.168.0.1:8080"});
    CHECK(normalise_origin("http://[::1]:8000") == std::optional<std::string>{"http://[::1]:8000"});
    CHECK(normalise_origin("https://x-1.Example") == std::optional<std::string>{"https://x-1.example"});
    // An absolute name is an origin of its own, as browsers keep its dot.
    CHECK(normalise_origin("https://example.com.") == std::optional<std::string>{"https://example.com."});
}

TEST_CASE("a URL's origin is its scheme, host and port, normalised", "[core][policy]") {
    CHECK(origin_of_url("HTTPS://X.example:8443/jambo/?q#f") == std::optional<std::string>{"https://x.example:8443"});
    CHECK(origin_of_url("http://localhost:8000") == std::optional<std::string>{"http://localhost:8000"});
    CHECK(origin_of_url("http://a.example?x") == std::optional<std::string>{"http://a.example"});
    CHECK_FALSE(origin_of_url("ftp://a.example/x").has_value());
    CHECK_FALSE(origin_of_url("a.example/x").has_value());
}

TEST_CASE("a URL's path is what follows its authority, without query or fragment", "[core][policy]") {
    CHECK(path_of_url("https://x.example/crm") == "/crm");
    CHECK(path_of_url("HTTPS://X.example:8443/jambo/v1?q#f") == "/jambo/v1");
    CHECK(path_of_url("http://localhost:8000").empty());
    CHECK(path_of_url("http://a.example?x=/y").empty());
    CHECK(path_of_url("no scheme/at/all").empty());
}

TEST_CASE("an origin's port is a real port - and user info is refused", "[core][policy]") {
    CHECK(normalise_origin("https://app.example:1") == "https://app.example:1");
    CHECK(normalise_origin("https://app.example:65535") == "https://app.example:65535");
    CHECK(normalise_origin("http://[::1]:8000") == "http://[::1]:8000");
    for (const char* bad : {"https://app.example:0", "https://app.example:65536", "https://app.example:99999",
                            "https://app.example:", "https://app.example:+80", "https://app.example:8o",
                            "https://user@app.example", "https://user:pw@app.example:443"}) {
        INFO(bad);
        CHECK_FALSE(normalise_origin(bad).has_value());
    }
}

TEST_CASE("durations accept seconds, minutes, hours, days and plain seconds", "[core][policy]") {
    CHECK(parse_duration("90s") == std::chrono::seconds{90});
    CHECK(parse_duration("10m") == std::chrono::seconds{600});
    CHECK(parse_duration("2h") == std::chrono::seconds{7200});
    CHECK(parse_duration("1d") == std::chrono::seconds{86400});
    CHECK(parse_duration("3600") == std::chrono::seconds{3600});
}

TEST_CASE("a duration that is empty, zero, negative or has an unknown unit is refused", "[core][policy]") {
    for (const char* bad : {"", "0", "0s", "-5s", "abc", "10x", "h", "1.5h", "10 m"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
}

TEST_CASE("a policy no request could work with is refused when the service is built, naming the field",
          "[core][policy]") {
    using Catch::Matchers::Contains;
    const auto with = [](auto change) {
        Policy p;
        change(p);
        return p;
    };
    CHECK_THROWS_WITH(normalised(with([](Policy& p) { p.default_page_size = 0; })), Contains("default_page_size"));
    CHECK_THROWS_WITH(normalised(with([](Policy& p) { p.max_page_size = 0; })), Contains("max_page_size"));
    CHECK_THROWS_WITH(normalised(with([](Policy& p) { p.deletion_requests_per_hour = 0; })),
                      Contains("deletion_requests_per_hour"));
    CHECK_THROWS_WITH(normalised(with([](Policy& p) { p.deletion_mails_per_address_per_hour = 0; })),
                      Contains("deletion_mails_per_address_per_hour"));
    CHECK_THROWS_WITH(normalised(with([](Policy& p) { p.deletion_token_ttl = std::chrono::seconds{-5}; })),
                      Contains("deletion_token_ttl"));
    CHECK_THROWS_AS(jambo::unit::World(with([](Policy& p) { p.max_page_size = 0; })), std::invalid_argument);
    CHECK_NOTHROW(normalised(with([](Policy& p) { p.max_page_size = 1; })));
}
