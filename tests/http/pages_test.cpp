#include "html.hpp"
#include "sha256.hpp"

#include "api_fixture.hpp"

#include <catch2/catch.hpp>

using namespace jambo;

TEST_CASE("SHA-256 and base64 match the standard test vectors", "[http]") {
    auto digest = http::sha256("abc");
    CHECK(http::base64(digest.data(), digest.size()) == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    auto empty = http::sha256("");
    CHECK(http::base64(empty.data(), empty.size()) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    auto long_input = http::sha256(std::string(1000, 'a'));
    CHECK(http::base64(long_input.data(), long_input.size()) == "Qe3s5C1j6Nm/UVqbppMuHCDLyfWl0TRkWttdsblzfqM=");
    const std::uint8_t bytes[] = {'f', 'o'};
    CHECK(http::base64(bytes, 2) == "Zm8=");
}

TEST_CASE("the confirm page is self-contained - escaped - and its style matches the CSP hash", "[http]") {
    core::Customer customer;
    customer.ulid = *core::Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKPBS");
    // A registrant's own text, which the page must not carry onto our origin (outside audit).
    customer.first_name = "IMPORTANT: visit https://evil.example now";
    customer.last_name = "<script>alert(1)</script>";
    customer.email = "o'brien&co@b.example";
    auto page = http::confirm_page(core::ErasurePreview{customer, core::TimePoint{std::chrono::hours(24)}});
    const auto& html = page.body;
    CHECK(page.status == 200);
    CHECK(html.find("IMPORTANT") == std::string::npos);
    CHECK(html.find("script") == std::string::npos);
    CHECK(html.find("o&#39;brien&amp;co@b.example") != std::string::npos);
    CHECK(html.find("<dt>Registered</dt><dd>2024-04-28 11:54 UTC") != std::string::npos);  // the ulid's time
    CHECK(html.find("01HWJ8WH9X8WBK65EMGY9YKPBS") != std::string::npos);
    CHECK(html.find("<form method=\"post\">") != std::string::npos);
    CHECK(html.find("<button type=\"submit\">") != std::string::npos);
    CHECK(html.find("name=\"viewport\"") != std::string::npos);
    CHECK(html.find("1970-01-02 00:00 UTC") != std::string::npos);
    CHECK(html.find("http") == std::string::npos);  // no external resource, no link at all
    auto style_start = html.find("<style>") + 7;
    auto style = html.substr(style_start, html.find("</style>") - style_start);
    auto digest = http::sha256(style);
    auto policy = std::string(page.headers.find("Content-Security-Policy").value());
    CHECK(policy.find("'sha256-" + http::base64(digest.data(), digest.size()) + "'") != std::string::npos);
    CHECK(policy.starts_with("default-src 'none';"));
    CHECK(policy.find("script-src") == std::string::npos);
    CHECK(page.headers.find("Referrer-Policy") == "no-referrer");
}

TEST_CASE("error pages keep the status and headers of the JSON face", "[http]") {
    auto expired = http::error_page(core::Error::gone(core::messages::link_expired));
    CHECK(expired.status == 410);
    CHECK(expired.body.find(core::messages::link_expired) != std::string::npos);
    CHECK(expired.headers.find("Content-Type") == "text/html; charset=utf-8");
    auto unknown = http::error_page(core::Error::not_found(core::messages::no_token_matches));
    CHECK(unknown.status == 404);
    auto unavailable = http::error_page(core::Error::unavailable("disk I/O error at /secret"));
    CHECK(unavailable.status == 503);
    CHECK(unavailable.body.find("/secret") == std::string::npos);
}
