#pragma once
// What the route handlers of api.cpp, customer_routes.cpp, erasure_routes.cpp and
// meta_routes.cpp share.

#include <jambo/core/error.hpp>
#include <jambo/core/services/authenticator.hpp>
#include <jambo/http/message.hpp>

#include <string_view>

namespace jambo::http {

/// The deletion link's route, and its tail: the one GET that writes, which Api::may_block
/// recognises by the tail without routing the request.
inline constexpr std::string_view confirm_route = "/api/customer/{token}/delete/confirm";
inline constexpr std::string_view confirm_route_tail = "/delete/confirm";
static_assert(confirm_route.ends_with(confirm_route_tail));

// Two Authorization fields are read as one, as RFC 9110 5.3 has a recipient combine them:
// "Bearer a, Bearer b" is a malformed token, so neither is used (a proxy in front may have
// checked the other one) and the endpoint answers as for any malformed token.
[[nodiscard]] inline core::Credentials credentials_of(const Request& request) {
    return core::Credentials{request.headers.combined("Authorization")};
}

/// A core refusal as a JSON response; logs what a 503 hides from the client.
[[nodiscard]] Response refusal(const core::Error& error);

/// For a request whose body could not be decoded: the use case's refusal when it has one
/// (401, 403, 404 come first, as the original's framework checks them before it parses a
/// body), else what is wrong with the body.
[[nodiscard]] Response first_refusal(const core::Result<void>& allowed, Response body_failure);

}  // namespace jambo::http
