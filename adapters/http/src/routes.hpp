#pragma once
// What the route handlers of api.cpp, customer_routes.cpp, erasure_routes.cpp and
// meta_routes.cpp share.

#include <jambo/core/error.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/ports/token_hasher.hpp>
#include <jambo/core/services/authenticator.hpp>
#include <jambo/http/message.hpp>

namespace jambo::http {

[[nodiscard]] inline core::Credentials credentials_of(const Request& request) {
    return core::Credentials{request.headers.find("Authorization")};
}

/// For an endpoint that needs a token, whose body could not be decoded: a client without a
/// valid token learns that first (401), as the original's framework checks auth before parsing.
[[nodiscard]] Response authenticated_or(core::Store& store, const core::TokenHasher& hasher,
                                        const Request& request, Response body_failure);

/// A core refusal as a JSON response; logs what a 503 hides from the client.
[[nodiscard]] Response refusal(const core::Error& error);

}  // namespace jambo::http
