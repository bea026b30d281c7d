#include "codec.hpp"

#include "errors.hpp"
#include "text_util.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace jambo::http {

namespace {

enum class BodyType { json, form, other };

std::string_view media_type(std::string_view content_type) {
    return trim_ows(content_type.substr(0, content_type.find(';')));
}

BodyType body_type(std::string_view content_type) {
    auto type = media_type(content_type);
    if (iequals(type, "application/json")) return BodyType::json;
    if (iequals(type, "application/x-www-form-urlencoded")) return BodyType::form;
    return BodyType::other;
}

// The charset parameter of a Content-Type, lower-cased and unquoted; empty when there is none.
std::string charset_of(std::string_view content_type) {
    auto value = media_parameter(content_type, "charset").value_or("");
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return to_lower(value);
}

// How a form's bytes become text: UTF-8 as they are, ISO-8859-1 byte by byte (old browsers and
// HTML forms declare it); any other charset is not read rather than misread.
enum class FormCharset { utf8, latin1, other };

FormCharset form_charset(std::string_view charset) {
    if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii") {
        return FormCharset::utf8;
    }
    if (charset == "iso-8859-1" || charset == "iso8859-1" || charset == "latin-1" || charset == "latin1") {
        return FormCharset::latin1;
    }
    return FormCharset::other;
}

std::string latin1_to_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x80) {
            out += c;
        } else {
            out += static_cast<char>(0xC0 | (byte >> 6));
            out += static_cast<char>(0x80 | (byte & 0x3F));
        }
    }
    return out;
}

bool is_wanted(std::span<const std::string_view> wanted, std::string_view key) {
    return std::ranges::find(wanted, key) != wanted.end();
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// '+' is a space; a '%' not followed by two hex digits stays as it is, as Django keeps it.
std::string decode_component(std::string_view part) {
    std::string out;
    out.reserve(part.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        const int high = c == '%' && i + 2 < part.size() ? hex_value(part[i + 1]) : -1;
        const int low = high >= 0 ? hex_value(part[i + 2]) : -1;
        if (low >= 0) {
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += c == '+' ? ' ' : c;
        }
    }
    return out;
}

// Calls visit(key, value) for each '&'-separated pair of a query string or a form body, in
// order, decoded as Django's QueryDict decodes both: nothing is refused, raw bytes (UTF-8 from
// curl -d, say) pass as they are, and a value that is not UTF-8 is the core's to judge.
template <typename Visit>
void for_each_pair(std::string_view text, Visit&& visit) {
    if (text.empty()) return;
    for (;;) {
        const auto end = text.find('&');
        const auto pair = text.substr(0, end);
        const auto equals = pair.find('=');
        const auto value = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
        visit(decode_component(pair.substr(0, equals)), decode_component(value));
        if (end == std::string_view::npos) return;
        text.remove_prefix(end + 1);
    }
}

// The first \uXXXX escape that is half of a surrogate pair without its other half, if any:
// text Python's json reads (DRF then refuses the field), Boost.JSON refuses, with a reason
// that depends on what follows. Only looked for once a body failed to parse.
std::optional<unsigned> lone_surrogate(std::string_view body) {
    const auto escape_at = [&](std::size_t pos) -> std::optional<unsigned> {
        if (pos + 6 > body.size() || body[pos] != '\\' || body[pos + 1] != 'u') return std::nullopt;
        unsigned code = 0;
        for (std::size_t i = pos + 2; i < pos + 6; ++i) {
            const char c = body[i];
            const int digit = (c >= '0' && c <= '9')   ? c - '0'
                              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                       : -1;
            if (digit < 0) return std::nullopt;
            code = code * 16 + static_cast<unsigned>(digit);
        }
        return code;
    };
    for (std::size_t pos = 0; pos < body.size(); ++pos) {
        if (body[pos] != '\\') continue;
        const auto code = escape_at(pos);
        if (!code) {
            ++pos;  // another escape: its second character is not the start of one
            continue;
        }
        if (*code >= 0xDC00 && *code <= 0xDFFF) return code;
        if (*code >= 0xD800 && *code <= 0xDBFF) {
            const auto next = escape_at(pos + 6);
            if (!next || *next < 0xDC00 || *next > 0xDFFF) return code;
            pos += 6;
        }
        pos += 5;
    }
    return std::nullopt;
}

std::string hex4(unsigned code) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out(4, '0');
    for (int i = 3; i >= 0; --i, code >>= 4) out[static_cast<std::size_t>(i)] = digits[code & 0xF];
    return out;
}

// Where a parser stopped, as Python's json says it under DRF ("line 1 column 42 (char 41)"):
// in characters, not bytes, so a client can find it in the text it sent.
std::string position_in(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t column = 1;
    std::size_t chars = 0;
    for (const char c : text.substr(0, offset)) {
        if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // inside a UTF-8 character
        ++chars;
        column = c == '\n' ? 1 : column + 1;
        line += c == '\n' ? 1 : 0;
    }
    return "line " + std::to_string(line) + " column " + std::to_string(column) + " (char " + std::to_string(chars) +
           ")";
}

// Only on a refused body: parses again, incrementally, to learn how far the text was JSON.
// Text past a complete value ("extra data") and a value cut short ("incomplete JSON") both
// stop the incremental parse at the right place without an error of its own.
std::string json_failure(std::string_view body, const boost::json::parse_options& options,
                         const boost::json::error_code& error) {
    boost::json::stream_parser parser({}, options);
    boost::json::error_code ignored;
    const std::size_t parsed = parser.write_some(body.data(), body.size(), ignored);
    return error.message() + ": " + position_in(body, parsed);
}

core::RawField raw_field(const boost::json::value& value) {
    if (value.is_null()) return core::RawField::null();
    if (const auto* text = value.if_string()) return core::RawField::text(std::string(text->data(), text->size()));
    return core::RawField::not_text();
}

// Calls visit(key, RawField) for each wanted key, in body order: the last of repeated keys
// is visited last, so it wins wherever visit stores. The 400 to send if the body is not JSON.
template <typename Visit>
std::optional<Response> visit_json(std::string_view body, std::span<const std::string_view> wanted, Visit&& visit) {
    // Boost.JSON rejects invalid UTF-8 too, but only as "syntax error"; say what is wrong.
    if (const auto valid = core::valid_utf8_prefix(body); valid < body.size()) {
        return malformed_body("invalid UTF-8: " + position_in(body, valid));
    }
    boost::json::error_code ec;
    boost::json::parse_options options;
    // Python's json, under DRF, gives up near 1,000 levels; a body deeper than that is refused
    // whole, even in a field nobody reads.
    options.max_depth = 1000;
    // The parsed value lives only in this function: a stack buffer holds a customer's body
    // whole, instead of one malloc per string and container (larger bodies spill to the heap).
    unsigned char buffer[2048];
    boost::json::monotonic_resource scratch(buffer, sizeof buffer);
    auto value = boost::json::parse(boost::json::string_view(body.data(), body.size()), ec, &scratch, options);
    if (ec) {
        // DRF's words for the same text, whatever Boost.JSON stumbled on after it.
        if (const auto code = lone_surrogate(body)) {
            return malformed_body("Surrogate characters are not allowed: U+" + hex4(*code) + ".");
        }
        return malformed_body(json_failure(body, options, ec));
    }
    const auto* object = value.if_object();
    if (object == nullptr) return malformed_body("expected a JSON object");
    for (const auto& entry : *object) {
        std::string_view key(entry.key().data(), entry.key().size());
        if (is_wanted(wanted, key)) visit(key, raw_field(entry.value()));
    }
    return std::nullopt;
}

template <typename Visit>
void visit_form(std::string_view body, FormCharset charset, std::span<const std::string_view> wanted, Visit&& visit) {
    for_each_pair(body, [&](std::string key, std::string value) {
        if (charset == FormCharset::latin1) {
            key = latin1_to_utf8(key);
            value = latin1_to_utf8(value);
        }
        if (is_wanted(wanted, key)) visit(key, core::RawField::text(std::move(value)));
    });
}

// The body's wanted fields, handed to visit one by one; the 400 or 415 to send if it has none
// to give. An empty body has no fields.
template <typename Visit>
std::optional<Response> visit_body(const Request& request, std::span<const std::string_view> wanted, Visit&& visit) {
    if (request.body.empty()) return std::nullopt;
    auto content_type = request.headers.find("Content-Type");
    if (!content_type) return unsupported_media_type("");
    if (const auto coding = request.headers.find("Content-Encoding")) {
        // A compressed body would otherwise be read as text and refused as malformed.
        const auto name = trim_ows(*coding);
        if (!name.empty() && !iequals(name, "identity")) return unsupported_content_encoding(name);
    }
    switch (body_type(*content_type)) {
        // JSON is UTF-8 whatever a charset parameter says (RFC 8259 defines none).
        case BodyType::json: return visit_json(request.body, wanted, visit);
        case BodyType::form: {
            const auto charset = charset_of(*content_type);
            const auto form = form_charset(charset);
            if (form == FormCharset::other) return unsupported_charset(charset);
            visit_form(request.body, form, wanted, visit);
            return std::nullopt;
        }
        case BodyType::other: break;
    }
    return unsupported_media_type(media_type(*content_type));
}

// The body's customer fields and where each goes in the draft, in one list: the names are
// what the decoders look for, the members where a value goes with no map in between.
struct DraftField {
    std::string_view name;
    std::optional<core::RawField> core::CustomerDraft::*member;
};
constexpr std::array<DraftField, 7> draft_fields{{
    {"first_name", &core::CustomerDraft::first_name},
    {"last_name", &core::CustomerDraft::last_name},
    {"middle_name", &core::CustomerDraft::middle_name},
    {"nationality", &core::CustomerDraft::nationality},
    {"dob", &core::CustomerDraft::dob},
    {"email", &core::CustomerDraft::email},
    {"phone_number", &core::CustomerDraft::phone_number},
}};
constexpr auto customer_fields = [] {
    std::array<std::string_view, draft_fields.size()> names;
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = draft_fields[i].name;
    return names;
}();

std::optional<core::RawField>* draft_field(core::CustomerDraft& draft, std::string_view key) {
    for (const auto& field : draft_fields) {
        if (field.name == key) return &(draft.*field.member);
    }
    return nullptr;
}

std::optional<core::RawField> take(RawFields& fields, std::string_view name) {
    auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    return std::move(it->second);
}

}  // namespace

std::expected<RawFields, Response> decode_body(const Request& request, std::span<const std::string_view> wanted) {
    RawFields fields;
    auto refused = visit_body(request, wanted, [&](std::string_view key, core::RawField value) {
        fields.insert_or_assign(std::string(key), std::move(value));
    });
    if (refused) return std::unexpected(std::move(*refused));
    return fields;
}

std::span<const std::string_view> customer_field_names() { return customer_fields; }

std::expected<core::CustomerDraft, Response> decode_customer(const Request& request) {
    core::CustomerDraft draft;
    auto refused = visit_body(request, customer_fields, [&](std::string_view key, core::RawField value) {
        if (auto* field = draft_field(draft, key)) *field = std::move(value);
    });
    if (refused) return std::unexpected(std::move(*refused));
    return draft;
}

std::expected<std::optional<core::RawField>, Response> decode_origin(const Request& request) {
    static constexpr std::array<std::string_view, 1> wanted = {"origin"};
    auto fields = decode_body(request, wanted);
    if (!fields) return std::unexpected(std::move(fields.error()));
    return take(*fields, "origin");
}

std::map<std::string, std::string, std::less<>> decode_query(std::string_view query) {
    std::map<std::string, std::string, std::less<>> out;
    for_each_pair(query, [&](std::string key, std::string value) { out.insert_or_assign(std::move(key), std::move(value)); });
    return out;
}

core::PageRequest decode_page_request(std::string_view query) {
    const auto params = decode_query(query);
    const auto get = [&](std::string_view name) -> std::optional<std::string> {
        auto it = params.find(name);
        return it == params.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return core::PageRequest{get("page"), get("page_size"), get("after")};
}

}  // namespace jambo::http
