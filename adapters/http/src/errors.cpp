#include "errors.hpp"

#include "codec.hpp"
#include "json_writer.hpp"

#include "text_util.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cctype>
#include <string>

namespace jambo::http {

namespace {

Response malformed(std::string_view why) { return message_response(400, "Malformed HTTP request: " + std::string(why)); }

constexpr std::string_view unavailable_message = "Service unavailable.";

void append_field_errors(std::string& out, std::string_view field, const std::vector<std::string>& messages) {
    if (out.size() > 1) out += ',';
    append_json_string(out, field);
    out += ":[";
    for (std::size_t i = 0; i < messages.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, messages[i]);
    }
    out += ']';
}

// The customer's fields in the order DRF reports them (its serializer's), then any other.
std::string field_errors_json(const core::FieldErrors& fields) {
    std::string out = "{";
    const auto customer_fields = customer_field_names();
    for (const auto name : customer_fields) {
        if (auto it = fields.find(std::string(name)); it != fields.end()) append_field_errors(out, name, it->second);
    }
    for (const auto& [field, messages] : fields) {
        if (std::ranges::find(customer_fields, field) == customer_fields.end()) append_field_errors(out, field, messages);
    }
    out += '}';
    return out;
}

bool is_host_and_port(std::string_view host);

// RFC 9112 3.2: origin-form, absolute-form (a scheme, then "://"), an OPTIONS "*", or a
// CONNECT's authority-form (host:port; no route has one, so it is then a 404).
bool is_request_target(const HeaderFacts& header) {
    const std::string_view target = header.target;
    if (target.starts_with('/')) return true;
    if (target == "*") return header.asterisk_allowed;
    if (header.authority_allowed) return !target.empty() && is_host_and_port(target);
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    const auto scheme_end = target.find("://");
    if (scheme_end == 0 || scheme_end == std::string_view::npos || !alpha(target[0])) return false;
    return std::ranges::all_of(target.substr(0, scheme_end), [&](char c) {
        return alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    });
}

// RFC 3986 host (reg-name, IPv4 or IP-literal) and an optional port: the characters they may
// have. An empty Host is allowed (RFC 9112 3.2: a target without an authority).
bool is_host_and_port(std::string_view host) {
    return std::ranges::all_of(host, [](unsigned char c) {
        return std::isalnum(c) != 0 || std::string_view("-._~%!$&'()*+,;=:[]").find(static_cast<char>(c)) !=
                                           std::string_view::npos;
    });
}

std::optional<Response> refuse_transfer_coding(std::string_view codings) {
    std::size_t count = 0;
    std::size_t chunked = 0;
    bool last_is_chunked = false;
    while (!codings.empty()) {
        const auto comma = codings.find(',');
        const auto coding = trim_ows(codings.substr(0, comma));
        codings.remove_prefix(comma == std::string_view::npos ? codings.size() : comma + 1);
        if (coding.empty()) continue;  // an empty list element (RFC 9110 5.6.1)
        ++count;
        last_is_chunked = iequals(coding, "chunked");
        chunked += last_is_chunked ? 1 : 0;
    }
    if (!last_is_chunked || chunked > 1) {
        return malformed("the body's length cannot be determined; send it with Content-Length or "
                         "Transfer-Encoding: chunked.");
    }
    if (count > 1) {
        return message_response(501, "Transfer coding not implemented; send the body with Content-Length or "
                                     "Transfer-Encoding: chunked.");
    }
    return std::nullopt;
}

// Whether the header section in `unparsed` has one Content-Length, no Transfer-Encoding, and
// that length is a plain decimal number too large for 64 bits: the only reason Beast then
// refuses it, and a length like any other too large. Any other Content-Length refusal (with
// Transfer-Encoding, two of them, not a number) is malformed.
bool content_length_past_64_bits(std::string_view unparsed) {
    constexpr std::string_view length_name = "content-length:";
    constexpr std::string_view coding_name = "transfer-encoding:";
    const auto named = [](std::string_view line, std::string_view name) {
        return line.size() >= name.size() && iequals(line.substr(0, name.size()), name);
    };
    int lengths = 0;
    bool overflows = false;
    for (auto rest = unparsed.substr(std::min(unparsed.size(), unparsed.find('\n') + 1)); !rest.empty();) {
        const auto end = rest.find('\n');
        auto line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line.empty()) break;  // the end of the header section
        if (named(line, coding_name)) return false;
        if (!named(line, length_name)) continue;
        ++lengths;
        const auto value = trim_ows(line.substr(length_name.size()));
        std::uint64_t number = 0;
        const auto [stop, error] = std::from_chars(value.data(), value.data() + value.size(), number);
        overflows = !value.empty() && std::ranges::all_of(value, [](char c) { return c >= '0' && c <= '9'; }) &&
                    error == std::errc::result_out_of_range;
    }
    return lengths == 1 && overflows;
}

}  // namespace

unsigned status_of(core::ErrorKind kind) {
    switch (kind) {
        case core::ErrorKind::validation: return 400;
        case core::ErrorKind::bad_request: return 400;
        case core::ErrorKind::unauthenticated: return 401;
        case core::ErrorKind::forbidden: return 403;
        case core::ErrorKind::not_found: return 404;
        case core::ErrorKind::gone: return 410;
        case core::ErrorKind::rate_limited: return 429;
        case core::ErrorKind::unavailable: return 503;
    }
    return 500;
}

std::string public_message(const core::Error& error) {
    // The store's exception text would describe the server's insides; the log has it.
    if (error.kind == core::ErrorKind::unavailable) return std::string(unavailable_message);
    if (error.kind == core::ErrorKind::rate_limited && error.message.empty()) {
        return core::messages::too_many_requests;
    }
    return error.message;
}

void add_error_headers(Response& response, const core::Error& error) {
    if (error.kind == core::ErrorKind::unauthenticated) {
        response.headers.add("WWW-Authenticate", "Bearer");
    }
    if (error.kind == core::ErrorKind::rate_limited) {
        auto seconds = std::max<std::int64_t>(1, error.retry_after.count());
        response.headers.add("Retry-After", std::to_string(seconds));
    }
}

Response error_response(const core::Error& error) {
    auto status = status_of(error.kind);
    std::string body;
    if (error.kind == core::ErrorKind::validation) {
        body = envelope(status, field_errors_json(error.fields));
    } else {
        std::string message;
        append_json_string(message, public_message(error));
        // The seed's 404 for an unknown deletion token is Django's {"detail": ...}; clients of
        // the original read `detail`, so it stays beside the envelope.
        const bool detail = error.kind == core::ErrorKind::not_found && error.message == core::messages::no_token_matches;
        body = detail ? envelope(status, message, "detail", message) : envelope(status, message);
    }
    auto response = json_response(status, std::move(body));
    add_error_headers(response, error);
    return response;
}

Response message_response(unsigned status, std::string_view message) {
    std::string quoted;
    append_json_string(quoted, message);
    return json_response(status, envelope(status, quoted));
}

Response route_not_found() { return message_response(404, core::messages::not_found); }

Response method_not_allowed(std::string_view method, std::string_view allow) {
    auto response = message_response(405, "Method \"" + std::string(method) + "\" not allowed.");
    response.headers.add("Allow", std::string(allow));
    return response;
}

Response unsupported_media_type(std::string_view content_type) {
    // DRF's words, and then what to send instead.
    constexpr std::string_view accepted = " in request; send application/json or application/x-www-form-urlencoded.";
    if (content_type.empty()) return message_response(415, "No Content-Type" + std::string(accepted));
    return message_response(415, "Unsupported media type \"" + std::string(content_type) + "\"" + std::string(accepted));
}

Response unsupported_charset(std::string_view charset) {
    return message_response(415, "Unsupported charset \"" + std::string(charset) +
                                     "\" in request; send the form as UTF-8 (or ISO-8859-1).");
}

Response unsupported_content_encoding(std::string_view coding) {
    auto response = message_response(
        415, "Unsupported content encoding \"" + std::string(coding) + "\" in request; send the body uncompressed.");
    response.headers.add("Accept-Encoding", "identity");  // RFC 9110 12.5.3
    return response;
}

Response malformed_body(std::string_view reason) {
    return message_response(400, "Malformed request body: " + std::string(reason));
}

std::optional<Response> refuse_header(const HeaderFacts& header, std::size_t header_limit) {
    if (header.section_bytes > header_limit) return message_response(431, "Request header fields too large.");
    if (!is_request_target(header)) return malformed("the request target must be a path starting with /.");
    // RFC 3986 3.5: the fragment stays with the client; `/api/status#x` is not /api/status.
    if (header.target.find('#') != std::string_view::npos) {
        return malformed("the request target has a '#': a URL's fragment is not sent to the server.");
    }
    if (header.version >= 11 && header.host_fields != 1) {
        return malformed("an HTTP/1.1 request needs exactly one Host header.");
    }
    if (header.host_fields > 0 && !is_host_and_port(header.host)) {
        return malformed("the Host header is not a host name.");
    }
    if (!header.transfer_encoding.empty()) {
        if (auto refusal = refuse_transfer_coding(header.transfer_encoding)) return refusal;
    }
    if (header.content_type_fields > 1) {
        return malformed("more than one Content-Type header.");
    }
    if (header.content_encoding_fields > 1) {
        return malformed("more than one Content-Encoding header.");
    }
    return std::nullopt;
}

Response unparsable_request(ParseFailure failure, std::string_view unparsed, bool request_line_read,
                            std::size_t header_limit, std::size_t body_limit) {
    const auto too_large = [&] {
        return message_response(413, "Request body too large; send at most " + std::to_string(body_limit) + " bytes.");
    };
    const auto request_line = unparsed.substr(0, unparsed.find('\n'));
    switch (failure) {
        case ParseFailure::header_limit:
            // Beast reads the request line only when it has all of it within the limit; else the
            // line is still in `unparsed`, with its end if a read brought it (a limit under one
            // read's 8 KiB), or cut where the bytes ran out.
            if (!request_line_read && (request_line.size() == unparsed.size() || request_line.size() >= header_limit)) {
                return message_response(414, "Request target too long.");
            }
            return message_response(431, "Request header fields too large.");
        case ParseFailure::body_limit:
            return too_large();
        case ParseFailure::bad_version: {
            // A well-formed HTTP-version ("HTTP/" DIGIT "." DIGIT) of another major version.
            auto line = request_line;
            if (line.ends_with('\r')) line.remove_suffix(1);
            const auto digit = [](char c) { return c >= '0' && c <= '9'; };
            const auto n = line.size();
            const bool well_formed = n >= 9 && line.substr(n - 9, 6) == " HTTP/" && digit(line[n - 3]) &&
                                     line[n - 2] == '.' && digit(line[n - 1]);
            if (well_formed && line[n - 3] != '1') return message_response(505, "HTTP version not supported; use HTTP/1.1.");
            break;
        }
        case ParseFailure::bad_request_line:
            break;
        case ParseFailure::bad_line_ending:
            return malformed("every line of the header must end with CR LF.");
        case ParseFailure::bad_field:
            return malformed("a header line is not a name, a colon and a value (no space before the colon).");
        case ParseFailure::folded_line:
            return malformed("a header line starts with a space or tab (a folded line); send each field on one "
                             "line.");
        case ParseFailure::bad_value:
            return malformed("a header value has a control character (lines end with CR LF, not a bare LF) or is a "
                             "malformed list.");
        case ParseFailure::bad_content_length:
            // Past what 64 bits hold is a length like any other too large, not bad syntax.
            if (content_length_past_64_bits(unparsed)) return too_large();
            return malformed("Content-Length must be one decimal number of bytes, and not sent with "
                             "Transfer-Encoding.");
        case ParseFailure::disagreeing_content_lengths:
            return malformed("Content-Length headers that disagree.");
        case ParseFailure::bad_transfer_encoding:
            return malformed("Transfer-Encoding must be sent once, and not with Content-Length.");
        case ParseFailure::bad_chunk:
            return malformed("a chunk of the body is malformed: its size in hex, CR LF, the data, CR LF.");
        case ParseFailure::other:
            return message_response(400, "Malformed HTTP request.");
    }
    // The request line's parts, in the order the parser checks them.
    return malformed("the request line must be a method, a path without spaces or control characters, and "
                     "HTTP/1.1, separated by single spaces and ended by CR LF.");
}

void add_standard_headers(Response& response, std::string_view request_id) {
    response.headers.add("X-Request-Id", std::string(request_id));
    if (!response.headers.find("Cache-Control")) response.headers.add("Cache-Control", "no-store");
    response.headers.add("X-Content-Type-Options", "nosniff");
}

Response internal_error() { return message_response(500, "Internal server error."); }

Response answer_or_500(const std::function<Response()>& make, std::string_view request_id) {
    try {
        return make();
    } catch (const std::exception& e) {
        spdlog::error("request {}: {}", request_id, e.what());
    } catch (...) {
        spdlog::error("request {}: unknown exception", request_id);
    }
    return internal_error();
}

Response store_unavailable() { return message_response(503, unavailable_message); }

Response request_timed_out(bool header, std::chrono::milliseconds limit) {
    const auto ms = limit.count();
    const auto within = ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
    return message_response(408, std::string(header ? "The request's header" : "The request's body") +
                                     " did not arrive within " + within + "; send the request again.");
}

Response server_busy() {
    auto response = message_response(503, "Server busy; try again shortly.");
    response.headers.add("Retry-After", "1");
    return response;
}

}  // namespace jambo::http
