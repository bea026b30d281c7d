#include "access_log.hpp"
#include "wire.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace jambo;

namespace {

http::Response sample(unsigned status, std::string body) {
    http::Response response;
    response.status = status;
    response.headers.add("Content-Type", "application/json; charset=utf-8");
    response.body = std::move(body);
    return response;
}

std::string framed(const http::Response& response, http::Framing framing) {
    std::string out;
    http::serialize(response, framing, out);
    return out;
}

}  // namespace

TEST_CASE("a response is framed with Date - Content-Length and the body", "[http]") {
    auto out = framed(sample(200, "{}"), {});
    CHECK(out.starts_with("HTTP/1.1 200 OK\r\nDate: "));
    CHECK(out.find("\r\nContent-Type: application/json; charset=utf-8\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\nContent-Length: 2\r\n\r\n{}"));
    CHECK(out.find("Connection") == std::string::npos);
}

TEST_CASE("a 204 has neither a body nor a Content-Length", "[http]") {
    auto out = framed(sample(204, ""), {});
    CHECK(out.starts_with("HTTP/1.1 204 No Content\r\n"));
    CHECK(out.find("Content-Length") == std::string::npos);
    CHECK(out.ends_with("\r\n\r\n"));
}

TEST_CASE("HEAD gets GET's length without the body", "[http]") {
    auto out = framed(sample(200, "hello"), {true, true, 11});
    CHECK(out.ends_with("Content-Length: 5\r\n\r\n"));
}

TEST_CASE("closing and HTTP/1.0 keep-alive are announced", "[http]") {
    CHECK(framed(sample(200, "x"), {false, false, 11}).find("Connection: close\r\n") != std::string::npos);
    CHECK(framed(sample(200, "x"), {true, false, 10}).find("Connection: keep-alive\r\n") != std::string::npos);
    CHECK(framed(sample(413, "x"), {false, false, 10}).starts_with("HTTP/1.1 413 Content Too Large\r\n"));
    CHECK(framed(sample(431, "x"), {}).starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

TEST_CASE("the access log redacts the confirm link's token and anything not a word of the API or a ULID", "[http]") {
    std::string token(43, 'A');
    CHECK(http::redact_path("/api/customer/" + token + "/delete/confirm") == "/api/customer/[redacted]/delete/confirm");
    CHECK(http::redact_path("/api/customer/short/delete/confirm/") == "/api/customer/[redacted]/delete/confirm/");
    CHECK(http::redact_path("/api/customer/jmb_" + token) == "/api/customer/[redacted]");
    CHECK(http::redact_path("/api/customers?token=" + token) == "/api/customers");
    CHECK(http::redact_path("/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS") == "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS");
    CHECK(http::redact_path("/a b\x01") == "/[redacted]");
    // A token split across segments is redacted piece by piece (race and secrecy audit).
    CHECK(http::redact_path("/api/x/j50O-QUtL5AhTXKffht8/66Q0irrOGPUprIxPVDjV3TI") == "/api/x/[redacted]/[redacted]");
    CHECK(http::redact_path("/api/nationalities/") == "/api/nationalities/");
    CHECK(http::redact_path("/favicon.ico") == "/favicon.ico");
    CHECK(http::redact_path("/api/Customers/%2e") == "/api/[redacted]/[redacted]");
    CHECK(http::redact_path("") == "-");  // refused before the request line was parsed
}

TEST_CASE("access entries are text or JSON fields", "[http]") {
    http::AccessEntry entry{"GET", "/api/status?x=1", 200, 30, std::chrono::microseconds(120), "RID"};
    CHECK(http::format_access(entry, false) == "GET /api/status 200 30B 120us id=RID");
    auto json = boost::json::parse("{" + http::format_access(entry, true) + "}").as_object();
    CHECK(json.at("method") == "GET");
    CHECK(json.at("path") == "/api/status");
    CHECK(json.at("status") == 200);
    CHECK(json.at("bytes") == 30);
    CHECK(json.at("us") == 120);
    CHECK(json.at("request_id") == "RID");
    entry.method = "g\"et";
    CHECK(http::format_access(entry, false).starts_with("- /api/status"));
}
