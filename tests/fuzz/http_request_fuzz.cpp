// Raw bytes off a socket -> the server's request path: Beast's request_parser with the server's
// limits, the router and every handler, on an in-memory store. The first input byte picks how
// the bytes arrive (segment size) and the confirm-on-GET setting; the rest is the stream,
// possibly several pipelined requests.
//
// Checked for every response: it serializes to exactly one well-formed HTTP/1.1 message that
// Beast parses back with the same status and body; the status has a reason phrase; no header
// value can split a line; JSON bodies are envelopes whose statusCode is the status; HTML pages
// carry Referrer-Policy: no-referrer; no 500 (handlers never throw on a healthy store); and the
// access-log line never holds a secret.

#include "fuzz_world.hpp"

#include "access_log.hpp"
#include "errors.hpp"
#include "header_facts.hpp"
#include "request_id.hpp"
#include "wire.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
using jambo::fuzz::check;

constexpr std::uint32_t max_header_bytes = 16 * 1024;  // ServerOptions' defaults
constexpr std::size_t max_body_bytes = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

void check_response(const jambo::http::Response& response, const jambo::http::Framing& framing,
                    const jambo::fuzz::World& world, std::string_view method, std::string_view target) {
    // On a failed check, what was answered to what.
    auto check = [&](bool condition, const char* what) {
        if (condition) return;
        std::fprintf(stderr, "%.*s %.*s -> %u\n%.*s\n", static_cast<int>(method.size()), method.data(),
                     static_cast<int>(std::min<std::size_t>(target.size(), 300)), target.data(), response.status,
                     static_cast<int>(std::min<std::size_t>(response.body.size(), 2000)), response.body.data());
        jambo::fuzz::fail(what);
    };
    check(response.status >= 200 && response.status < 600, "status in range");
    check(response.status != 500, "no 500 on a healthy store");
    check(jambo::http::reason_phrase(response.status) != "Unknown", "status has a reason phrase");
    std::optional<std::string_view> content_type;
    std::optional<std::string_view> request_id;
    for (const auto& [name, value] : response.headers.fields()) {
        check(!name.empty() && name.find_first_of(" :\r\n") == std::string::npos, "header name is a token");
        check(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos, "header value on one line");
        if (iequals(name, "Content-Type")) content_type = value;
        if (iequals(name, "X-Request-Id")) request_id = value;
    }
    check(request_id && jambo::http::is_sane_request_id(*request_id), "every response has a sane X-Request-Id");

    std::string wire;
    jambo::http::serialize(response, framing, wire);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    if (framing.head) parser.skip(true);
    beast::error_code ec;
    auto used = parser.put(boost::asio::buffer(wire), ec);
    while (!ec && !parser.is_done() && used < wire.size()) {
        used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    }
    check(!ec && parser.is_done() && used == wire.size(), "the response parses back as exactly one message");
    const auto& parsed = parser.get();
    check(parsed.result_int() == response.status, "status survives the wire");
    check(framing.head || parsed.body() == response.body, "body survives the wire");
    check(std::distance(parsed.begin(), parsed.end()) ==
              static_cast<std::ptrdiff_t>(response.headers.fields().size()) + 1 +
                  (response.status != 204 ? 1 : 0) + (!framing.keep_alive || framing.version == 10 ? 1 : 0),
          "exactly the headers we set, plus Date, Content-Length and Connection");

    if (response.status == 204) {
        check(response.body.empty(), "a 204 has no body");
        return;
    }
    check(content_type.has_value(), "a body has a Content-Type");
    if (content_type->starts_with("application/json")) {
        boost::json::error_code json_ec;
        auto value = boost::json::parse(response.body, json_ec);
        check(!json_ec, "a JSON body parses");
        // The staff list wraps its envelope in the seed's pagination object.
        const auto* object = value.if_object();
        check(object != nullptr, "a JSON body is an object");
        if (const auto* results = object->if_contains("results")) object = results->if_object();
        check(object != nullptr && object->contains("statusCode") && object->contains("body"), "an envelope");
        check(object->at("statusCode").to_number<unsigned>() == response.status, "statusCode equals the status");
    } else {
        check(content_type->starts_with("text/html"), "JSON or HTML only");
        check(response.headers.find("Referrer-Policy") == "no-referrer", "pages send no referrer");
    }

    auto line = jambo::http::format_access(
        jambo::http::AccessEntry{method, target, response.status, response.body.size(), {}, "-"}, false);
    for (auto secret : world.secrets()) {
        check(line.find(secret) == std::string::npos, "no secret in the access log");
        check(line.find(secret.substr(secret.size() - 20)) == std::string::npos, "no part of a secret in the access log");
    }
}

struct Connection {
    jambo::fuzz::World& world;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    bool header_seen = false;
    bool open = true;

    explicit Connection(jambo::fuzz::World& w) : world(w) { new_parser(); }

    void new_parser() {
        parser.emplace();
        parser->header_limit(max_header_bytes);
        parser->body_limit(max_body_bytes);
        header_seen = false;
    }

    // As the server's Connection::reject.
    void reject(beast::error_code ec, const beast::flat_buffer& buffer) {
        answer_and_close(jambo::http::unparsable_request(
            jambo::http::parse_failure(ec), std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()),
            jambo::http::request_line_read(parser->get()), max_header_bytes, max_body_bytes));
    }

    // As the server's Connection::answer_and_close.
    void answer_and_close(jambo::http::Response response) {
        std::string method;
        std::string target;
        std::optional<std::string_view> sent_id;
        // The request line and the fields read before the parser stopped, as the server takes them.
        method.assign(parser->get().method_string());
        target.assign(parser->get().target());
        if (auto id = parser->get().find("X-Request-Id"); id != parser->get().end()) sent_id = id->value();
        response.headers.add("X-Request-Id", jambo::http::choose_request_id(sent_id));
        response.headers.add("Cache-Control", "no-store");
        check(response.status == 400 || response.status == 413 || response.status == 414 || response.status == 431 ||
                  response.status == 501 || response.status == 505,
              "parse errors are 4xx, 501 or 505");
        check_response(response, jambo::http::Framing{false, false, 11}, world, method, target);
        open = false;
    }

    // As the server's Connection::dispatch.
    void dispatch() {
        auto& message = parser->get();
        jambo::http::Request request;
        request.method_text.assign(message.method_string());
        request.method = jambo::http::method_from_string(request.method_text);
        request.set_target(std::string(message.target()));
        request.version = message.version();
        for (const auto& field : message) {
            request.headers.add(std::string(field.name_string()), std::string(field.value()));
        }
        request.body = std::move(message.body());
        bool keep_alive = message.keep_alive();
        auto response = world.api.handle(request);
        jambo::http::Framing framing{keep_alive, request.method == jambo::http::Method::head, request.version};
        check_response(response, framing, world, request.method_text, request.target);
        if (!keep_alive) open = false;
    }

    // As the server's Connection::parse; returns when it needs more bytes or the connection closed.
    void parse(beast::flat_buffer& buffer) {
        while (open && buffer.size() > 0) {
            beast::error_code ec;
            auto used = parser->put(buffer.data(), ec);
            if (ec && ec != bhttp::error::need_more) return reject(ec, buffer);
            buffer.consume(used);
            if (ec) return;
            if (used == 0 && !parser->is_done() && header_seen) return;
            if (!header_seen && parser->is_header_done()) {
                header_seen = true;
                // As the server's Connection::on_header.
                if (auto refusal = jambo::http::refuse_header(jambo::http::header_facts(parser->get()), max_header_bytes)) {
                    return answer_and_close(std::move(*refusal));
                }
            }
            if (parser->is_done()) {
                dispatch();
                new_parser();
            }
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 256 * 1024) return -1;
    auto mode = data[0];
    static constexpr std::array<std::size_t, 8> segments = {1, 2, 7, 64, 512, 4096, 8192, 1 << 20};
    auto segment = segments[mode & 7];
    auto confirm = (mode & 8) != 0 ? jambo::http::ConfirmOnGet::never : jambo::http::ConfirmOnGet::api;

    jambo::fuzz::World world(confirm);
    auto stream = world.expand(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    Connection connection(world);
    beast::flat_buffer buffer;
    for (std::size_t at = 0; at < stream.size() && connection.open;) {
        auto n = std::min(segment, stream.size() - at);
        auto space = buffer.prepare(n);
        std::memcpy(space.data(), stream.data() + at, n);
        buffer.commit(n);
        at += n;
        connection.parse(buffer);
    }
    return 0;
}
