#pragma once
// Every status code the adapter answers with an error is chosen here and nowhere else: the
// core's errors' (status_of), and those of requests refused before the Api sees them (what the
// parser could not read, header checks, limits, timeouts).

#include <jambo/core/error.hpp>
#include <jambo/http/message.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::http {

[[nodiscard]] unsigned status_of(core::ErrorKind kind);

/// The JSON face of a refusal from the core, with its status and headers.
[[nodiscard]] Response error_response(const core::Error& error);
/// What a refusal's message becomes in a response (internal details never leave the server).
[[nodiscard]] std::string public_message(const core::Error& error);
/// Headers a refusal carries whatever its face (WWW-Authenticate, Retry-After).
void add_error_headers(Response& response, const core::Error& error);

/// An envelope whose body is one message.
[[nodiscard]] Response message_response(unsigned status, std::string_view message);

[[nodiscard]] Response route_not_found();
[[nodiscard]] Response method_not_allowed(std::string_view method, std::string_view allow);
[[nodiscard]] Response unsupported_media_type(std::string_view content_type);
[[nodiscard]] Response unsupported_charset(std::string_view charset);
[[nodiscard]] Response unsupported_content_encoding(std::string_view coding);
[[nodiscard]] Response malformed_body(std::string_view reason);

/// What the server notes of a parsed header section to judge it by, in one pass over its fields.
struct HeaderFacts {
    unsigned version = 11;
    std::size_t section_bytes = 0;  ///< the request line and the fields, as sent (give or take OWS)
    std::string_view target;        ///< as sent
    bool asterisk_allowed = false;  ///< an OPTIONS request, whose target may be "*"
    bool authority_allowed = false; ///< a CONNECT request, whose target is host:port
    std::size_t host_fields = 0;
    std::string_view host;          ///< the last Host field's value
    std::size_t content_type_fields = 0;
    std::size_t content_encoding_fields = 0;
    std::string transfer_encoding;  ///< every Transfer-Encoding field's value, joined with ", "
    /// The "close" and "keep-alive" options of every Connection field: RFC 9110 5.3 reads
    /// repeated fields as one list, where Beast's keep_alive() reads only the first.
    bool connection_close = false;
    bool connection_keep_alive = false;

    /// Whether the client lets the connection stay open after this request (RFC 9112 9.3).
    [[nodiscard]] bool client_keeps_alive() const {
        return !connection_close && (version >= 11 || connection_keep_alive);
    }
};

/// Why a request whose header section parsed must still be refused, if it must:
/// - a section over `header_limit` (431; the parser lets one read's worth more through);
/// - an HTTP/1.1 request without exactly one Host field, or a Host that is not a host[:port]
///   (400, RFC 9112 3.2);
/// - a Transfer-Encoding whose last coding is not chunked, or that has chunked twice: the
///   body's length cannot be known, and guessing it lets a client hide a second request in
///   the body (400, RFC 9112 6.3); another coding before chunked (501, RFC 9112 7);
/// - a request target that is not a path ("/..."), an absolute URI ("http://..."), the "*"
///   of an OPTIONS request or the host:port of a CONNECT (400, RFC 9112 3.2);
/// - more than one Content-Type or Content-Encoding field (400: a proxy may have read the body
///   otherwise than as the first, which we would use). Two Authorization fields are the
///   endpoint's to answer, as a malformed token (routes.hpp).
[[nodiscard]] std::optional<Response> refuse_header(const HeaderFacts& header, std::size_t header_limit);

/// Why the HTTP parser refused a request: each has its own answer, so the client learns what
/// to mend.
enum class ParseFailure {
    header_limit,
    body_limit,
    bad_request_line,  ///< method, target or version malformed, or not single spaces between
    bad_version,
    bad_line_ending,
    bad_field,
    folded_line,  ///< obs-fold, refused (RFC 9112 5.2): a proxy may have read it otherwise
    bad_value,
    bad_content_length,
    disagreeing_content_lengths,
    bad_transfer_encoding,
    bad_chunk,
    other
};
/// The answer to a request the parser refused; `unparsed` is what it left unread of the
/// request, `request_line_read` whether it had read the request line (the parser may take
/// complete lines as they come). A request line that alone reaches `header_limit` is a target
/// too long (414), not fields (431); a major version other than 1 is 505; a body past
/// `body_limit` is 413, naming the limit.
[[nodiscard]] Response unparsable_request(ParseFailure failure, std::string_view unparsed, bool request_line_read,
                                          std::size_t header_limit, std::size_t body_limit);
/// The headers every answer carries, the Api's and the ones the server makes without it
/// (refusals of what could not be parsed, 503s, timeouts): the request id, no caching (unless
/// the answer set its own Cache-Control), no MIME sniffing.
void add_standard_headers(Response& response, std::string_view request_id);

[[nodiscard]] Response internal_error();
/// What `make` returns, or internal_error() if it throws: what it threw goes to the log with
/// the request id, never to the client.
[[nodiscard]] Response answer_or_500(const std::function<Response()>& make, std::string_view request_id);
[[nodiscard]] Response store_unavailable();
[[nodiscard]] Response server_busy();
/// A request cut off by a timeout: `header` if its header had not all arrived, else its body.
[[nodiscard]] Response request_timed_out(bool header, std::chrono::milliseconds limit);

}  // namespace jambo::http
