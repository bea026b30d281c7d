#pragma once
// Every status code the adapter answers with an error is chosen here and nowhere else.

#include <jambo/core/error.hpp>
#include <jambo/http/message.hpp>

#include <cstddef>
#include <optional>
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
[[nodiscard]] Response malformed_body(std::string_view reason);
/// Why a request whose header section parsed must still be refused, if it must: an HTTP/1.1
/// request without exactly one Host field (RFC 9112 3.2), or with more than one Authorization
/// field (a proxy may have checked another credential than the first, which we would use).
[[nodiscard]] std::optional<Response> refuse_header(unsigned version, std::size_t host_fields,
                                                    std::size_t authorization_fields);

/// Why the HTTP parser refused a request.
enum class ParseFailure { header_limit, body_limit, bad_version, other };
/// The answer to a request the parser refused; `unparsed` is what it left unread of the
/// request. A header limit reached inside the request line is a target too long (414), not
/// fields (431); a major version other than 1 is 505.
[[nodiscard]] Response unparsable_request(ParseFailure failure, std::string_view unparsed);
[[nodiscard]] Response internal_error();
[[nodiscard]] Response store_unavailable();
[[nodiscard]] Response server_busy();

}  // namespace jambo::http
