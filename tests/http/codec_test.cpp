#include "codec.hpp"
#include "errors.hpp"
#include "negotiation.hpp"

#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <array>

using namespace jambo;
using http::Method;

namespace {

http::Request with_body(std::string content_type, std::string body) {
    auto request = http::Request::make(Method::post, "/x", std::move(body));
    if (!content_type.empty()) request.headers.add("Content-Type", std::move(content_type));
    return request;
}

constexpr std::array<std::string_view, 3> wanted = {"a", "b", "c"};

}  // namespace

TEST_CASE("a JSON body becomes raw fields without judging their values", "[http]") {
    auto fields = http::decode_body(with_body("application/json", R"({"a":"x","b":null,"c":5,"d":"ignored"})"), wanted);
    REQUIRE(fields);
    CHECK(fields->at("a").kind() == core::RawField::Kind::text);
    CHECK(fields->at("a").value() == "x");
    CHECK(fields->at("b").kind() == core::RawField::Kind::null);
    CHECK(fields->at("c").kind() == core::RawField::Kind::not_text);
    CHECK_FALSE(fields->contains("d"));
}

TEST_CASE("of duplicate JSON keys the last one wins - as in the original", "[http]") {
    auto fields = http::decode_body(with_body("application/json; charset=utf-8", R"({"a":"first","a":"last"})"), wanted);
    REQUIRE(fields);
    CHECK(fields->at("a").value() == "last");
}

TEST_CASE("a form body is decoded - '+' as space", "[http]") {
    auto fields = http::decode_body(with_body("application/x-www-form-urlencoded", "a=J%C3%BCrgen+M&b=&c"), wanted);
    REQUIRE(fields);
    CHECK(fields->at("a").value() == "J\xC3\xBCrgen M");
    CHECK(fields->at("b").value().empty());
    CHECK(fields->at("c").value().empty());
}

TEST_CASE("bodies that are not a JSON object are refused with the contract's 400", "[http]") {
    auto reason = [](std::string body) {
        auto result = http::decode_body(with_body("application/json", std::move(body)), wanted);
        REQUIRE_FALSE(result);
        CHECK(result.error().status == 400);
        return result.error().body;
    };
    CHECK(reason("{\"a\":") == R"x({"statusCode":400,"body":"Malformed request body: incomplete JSON: line 1 column 6 (char 5)"})x");
    CHECK(reason("[1,2]") == R"({"statusCode":400,"body":"Malformed request body: expected a JSON object"})");
    CHECK(reason("\"text\"") == R"({"statusCode":400,"body":"Malformed request body: expected a JSON object"})");
    CHECK(reason("{\"a\":\"\xff\"}") ==
          R"x({"statusCode":400,"body":"Malformed request body: invalid UTF-8: line 1 column 7 (char 6)"})x");
    CHECK(reason("{\"a\":1} x").find("Malformed request body: ") != std::string::npos);
    CHECK(reason("{\"a\":1,}").find("Malformed request body: ") != std::string::npos);
}

TEST_CASE("malformed JSON says where - in lines and characters - as Python's json does", "[http]") {
    auto reason = [](std::string body) {
        auto result = http::decode_body(with_body("application/json", std::move(body)), wanted);
        REQUIRE_FALSE(result);
        return std::string(boost::json::parse(result.error().body).at("body").as_string());
    };
    CHECK(reason(R"({"first_name": "Ann", "last_name": "Lee" "dob": "1990-01-01"})") ==
          "Malformed request body: syntax error: line 1 column 42 (char 41)");
    // Characters, not bytes: the ë before it is one.
    CHECK(reason("{\n  \"a\": \"Zo\xC3\xAB\",\n  \"b\": tru\n}") ==
          "Malformed request body: syntax error: line 3 column 8 (char 23)");
    CHECK(reason("{\"a\":1}   x") == "Malformed request body: extra data: line 1 column 11 (char 10)");
    CHECK(reason("{\"a\":1,}") == "Malformed request body: syntax error: line 1 column 8 (char 7)");
}

TEST_CASE("half a surrogate pair in a JSON string gets DRF's words - wherever it stands", "[http]") {
    auto reason = [](std::string body) {
        auto result = http::decode_body(with_body("application/json", std::move(body)), wanted);
        REQUIRE_FALSE(result);
        return std::string(boost::json::parse(result.error().body).at("body").as_string());
    };
    const std::string d800 = "Malformed request body: Surrogate characters are not allowed: U+D800.";
    CHECK(reason(R"({"a":"\ud800"})") == d800);
    CHECK(reason(R"({"a":"\ud800x"})") == d800);
    CHECK(reason(R"({"a":"\uD800\u0041","b":"y"})") == d800);
    CHECK(reason(R"({"a":"A\udc00B"})") == "Malformed request body: Surrogate characters are not allowed: U+DC00.");
    // A whole pair is one character; an escaped backslash before "u" is no escape.
    CHECK(reason(R"({"a":"\ud83d\ude00","b":"\\ud800",})").find("Surrogate") == std::string::npos);
    auto pair = http::decode_body(with_body("application/json", R"({"a":"\ud83d\ude00 \\ud800"})"), wanted);
    REQUIRE(pair);
    CHECK(pair->at("a").value() == "\xF0\x9F\x98\x80 \\ud800");
}

TEST_CASE("other content types are refused with 415 saying what to send - an empty body has no fields", "[http]") {
    auto refused = http::decode_body(with_body("text/plain", "a=1"), wanted);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().status == 415);
    CHECK(refused.error().body == R"({"statusCode":415,"body":"Unsupported media type \"text/plain\" in request; send application/json or application/x-www-form-urlencoded."})");
    auto missing = http::decode_body(with_body("", "a=1"), wanted);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().body == R"({"statusCode":415,"body":"No Content-Type in request; send application/json or application/x-www-form-urlencoded."})");
    auto empty = http::decode_body(with_body("text/plain", ""), wanted);
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("a form body is read as Django reads it - raw UTF-8 and a bad escape are text", "[http]") {
    auto result = http::decode_body(with_body("application/x-www-form-urlencoded", "a=Zo\xc3\xabn&b=%zz&c=100%"), wanted);
    REQUIRE(result);
    CHECK(result->at("a").value() == "Zo\xc3\xabn");
    CHECK(result->at("b").value() == "%zz");
    CHECK(result->at("c").value() == "100%");
}

TEST_CASE("a form that declares ISO-8859-1 is read as Latin-1 - an unknown charset gets 415", "[http]") {
    auto latin1 = http::decode_body(
        with_body("application/x-www-form-urlencoded; charset=\"ISO-8859-1\"", "a=Zo%EBn&b=M\xfcller"), wanted);
    REQUIRE(latin1);
    CHECK(latin1->at("a").value() == "Zo\xc3\xabn");
    CHECK(latin1->at("b").value() == "M\xc3\xbcller");
    auto utf8 = http::decode_body(with_body("application/x-www-form-urlencoded;charset=UTF-8", "a=Zo%C3%ABn"), wanted);
    REQUIRE(utf8);
    CHECK(utf8->at("a").value() == "Zo\xc3\xabn");
    auto koi8 = http::decode_body(with_body("application/x-www-form-urlencoded; charset=KOI8-R", "a=1"), wanted);
    REQUIRE_FALSE(koi8);
    CHECK(koi8.error().status == 415);
    CHECK(koi8.error().body == R"({"statusCode":415,"body":"Unsupported charset \"koi8-r\" in request; send the form as UTF-8 (or ISO-8859-1)."})");
}

TEST_CASE("a compressed body gets 415 naming its coding - identity is no coding", "[http]") {
    auto gzip = with_body("application/json", "\x1f\x8b\x08");
    gzip.headers.add("Content-Encoding", "gzip");
    auto refused = http::decode_body(gzip, wanted);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().status == 415);
    CHECK(refused.error().headers.find("Accept-Encoding") == "identity");
    CHECK(refused.error().body ==
          R"({"statusCode":415,"body":"Unsupported content encoding \"gzip\" in request; send the body uncompressed."})");
    auto identity = with_body("application/json", R"({"a":"x"})");
    identity.headers.add("Content-Encoding", "identity");
    REQUIRE(http::decode_body(identity, wanted));
}

TEST_CASE("JSON nested as deep as Python's json reads is accepted - deeper is refused whole", "[http]") {
    const auto nested = [](int depth) {
        return R"({"a":"x","z":)" + std::string(static_cast<std::size_t>(depth - 1), '[') +
               std::string(static_cast<std::size_t>(depth - 1), ']') + "}";
    };
    auto deep = http::decode_body(with_body("application/json", nested(1000)), wanted);
    REQUIRE(deep);
    CHECK(deep->at("a").value() == "x");
    auto deeper = http::decode_body(with_body("application/json", nested(1001)), wanted);
    REQUIRE_FALSE(deeper);
    // Where the 1,001st level opens: after `{"a":"x","z":` and 999 brackets.
    CHECK(deeper.error().body ==
          R"x({"statusCode":400,"body":"Malformed request body: too deep: line 1 column 1013 (char 1012)"})x");
}

TEST_CASE("query strings give the page request - the last of repeated keys wins", "[http]") {
    auto request = http::decode_page_request("page=2&page_size=10&page=3&after=01HW");
    CHECK(request.page == "3");
    CHECK(request.page_size == "10");
    CHECK(request.after == "01HW");
    CHECK(http::decode_page_request("").page == std::nullopt);
    CHECK(http::decode_page_request("page").page == "");
}

TEST_CASE("a query decodes as Django's QueryDict does - '+' is a space and a bad escape is text", "[http]") {
    auto query = http::decode_query("page=%G1&a+b=%41%2b%e2%82%ac&pct=50%&half=%4&flag&=x");
    CHECK(query.at("page") == "%G1");
    CHECK(query.at("a b") == "A+\xe2\x82\xac");
    CHECK(query.at("pct") == "50%");
    CHECK(query.at("half") == "%4");
    CHECK(query.at("flag") == "");
    CHECK(query.at("") == "x");
}

// Regressions from tests/fuzz (corpus entries regression-*): Boost.URL 1.81 read a query up to
// a NUL instead of the view's end; a 415 echoed a media type that was not UTF-8 into its JSON.
TEST_CASE("a query given as part of a longer buffer is decoded within its view only - a raw NUL is a byte like others",
          "[http]") {
    const std::string buffer = "page=2&page_size=7";
    auto query = http::decode_query(std::string_view(buffer).substr(0, 6));
    CHECK(query.size() == 1);
    CHECK(query.at("page") == "2");
    auto form = http::decode_body(with_body("application/x-www-form-urlencoded", std::string("a=1\0&b=2", 8)), wanted);
    REQUIRE(form);
    CHECK(form->at("a").value() == std::string("1\0", 2));
    CHECK(form->at("b").value() == "2");
}

TEST_CASE("a message that echoes bytes that are not UTF-8 is still valid JSON", "[http]") {
    auto response = http::unsupported_media_type("application/x-\xff\xc0\xaf-\xe2\x82\xac");
    CHECK(response.status == 415);
    auto body = boost::json::parse(response.body);
    CHECK(body.at("body").as_string() == "Unsupported media type \"application/x-\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd-\xe2\x82\xac\" in request; send "
          "application/json or application/x-www-form-urlencoded.");
}

TEST_CASE("a browser's Accept header prefers HTML - API clients' do not", "[http]") {
    CHECK(http::prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"));
    CHECK(http::prefers_html("text/html"));
    CHECK(http::prefers_html("text/*, application/json;q=0.5"));
    CHECK(http::prefers_html("text/html, */*"));  // JSON only through the wildcard
    CHECK(http::prefers_html("text/html;q=0.8, */*;q=0.8"));
    CHECK(http::prefers_html("text/*, */*"));
    CHECK_FALSE(http::prefers_html(std::nullopt));
    CHECK_FALSE(http::prefers_html("*/*"));
    CHECK_FALSE(http::prefers_html("application/json"));
    CHECK_FALSE(http::prefers_html("application/json, text/html"));
    CHECK_FALSE(http::prefers_html("text/html, application/json"));  // both named: no preference
    CHECK_FALSE(http::prefers_html("application/*, text/*"));
    CHECK_FALSE(http::prefers_html("text/html;q=0.5, application/json"));
    CHECK_FALSE(http::prefers_html("text/html;q=0, */*"));
}

TEST_CASE("an Accept header with a malformed weight gets the confirm page, whose GET deletes nothing", "[http]") {
    CHECK(http::prefers_html("text/html;q=abc"));
    CHECK(http::prefers_html("application/json;q=2"));  // above 1
    CHECK(http::prefers_html("application/json;q=0.5x, text/html"));
    CHECK(http::prefers_html("*/*;q=1.5"));
    CHECK(http::prefers_html("application/json;q=0.1234"));  // four decimals
    CHECK(http::prefers_html("application/json;q="));
    // Well-formed weights at their edges still rank as before.
    CHECK_FALSE(http::prefers_html("application/json;q=1.000, text/html;q=0.999"));
    CHECK_FALSE(http::prefers_html("text/html;q=0., application/json;q=1."));
    CHECK(http::prefers_html("text/html;q=1, application/json;q=0.001"));
}
