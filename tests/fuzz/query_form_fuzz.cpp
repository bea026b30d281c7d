// Query strings, form-encoded bodies and request paths -> the adapter's decoders, plus the
// origin and duration parsers of the policy. The first byte picks the decoder.
//
// Checked: decoding what the decoder's own output encodes gives that output again (query
// parameters and path segments), a decoded path never has an empty segment, the form decoder
// and the query decoder agree, and a normalised origin is a fixed point of normalisation.

#include "codec.hpp"

#include <jambo/core/policy.hpp>
#include <jambo/http/router.hpp>

#include "fuzz_world.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace {

using jambo::fuzz::check;

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        // '.' is encoded too: Boost.URL elides a literal leading "/." segment (RFC 3986 dot
        // segments), not an encoded one, so "." and ".." survive the round trip only as %2E.
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

void query(std::string_view input) {
    auto decoded = jambo::http::decode_query(input);
    auto page_request = jambo::http::decode_page_request(input);
    check(page_request.page == (decoded.contains("page") ? std::optional(decoded.at("page")) : std::nullopt),
          "the page request is the query's page");
    std::string encoded;
    for (const auto& [key, value] : decoded) {
        if (!encoded.empty()) encoded += '&';
        encoded += percent_encode(key) + "=" + percent_encode(value);
    }
    auto again = jambo::http::decode_query(encoded);
    check(again == decoded, "query decoding round-trips");

    auto request = jambo::http::Request::make(jambo::http::Method::post, "/api/customers", std::string(input));
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    auto form = jambo::http::decode_customer(request);
    check(form.has_value(), "every form body decodes");
    if (form && form->email) check(decoded.at("email") == form->email->value(), "form and query decoding agree");
}

void path(std::string_view input) {
    auto segments = jambo::http::split_path(input);
    if (!segments) return;
    std::string encoded;
    for (const auto& segment : *segments) {
        check(!segment.empty(), "no empty segment");
        encoded += "/" + percent_encode(segment);
    }
    if (encoded.empty()) encoded = "/";
    auto again = jambo::http::split_path(encoded);
    check(again.has_value() && *again == *segments, "path decoding round-trips");
}

void origin(std::string_view input) {
    auto normal = jambo::core::normalise_origin(input);
    if (!normal) return;
    check(normal->starts_with("http://") || normal->starts_with("https://"), "http or https only");
    check(!normal->ends_with('/'), "no trailing slash");
    auto again = jambo::core::normalise_origin(*normal);
    check(again.has_value() && *again == *normal, "normalisation is idempotent");
}

void duration(std::string_view input) {
    auto parsed = jambo::core::parse_duration(input);
    if (parsed) check(parsed->count() > 0, "durations are positive");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 64 * 1024) return -1;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
        case 0: query(input); break;
        case 1: path(input); break;
        case 2: origin(input); break;
        default: duration(input); break;
    }
    return 0;
}
