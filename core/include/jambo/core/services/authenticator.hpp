#pragma once
/// Use case: turn an Authorization header into a Principal.

#include <jambo/core/error.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/ports/token_hasher.hpp>
#include <jambo/core/token.hpp>

#include <optional>
#include <string>

namespace jambo::core {

/// The raw `Authorization` header of a request, if it had one. It owns its text: a caller may
/// build it from a temporary ("Bearer " + token), and a queued write keeps it after the
/// request that carried it is gone.
struct Credentials {
    std::optional<std::string> authorization;
};

class Authenticator {
public:
    explicit Authenticator(const TokenHasher& hasher) : hasher_(hasher) {}

    /// Inside the caller's transaction, so the lookup and the use case see one snapshot.
    /// Errors: unauthenticated "Authentication credentials were not provided." when there is
    /// no Bearer header; "Invalid token." when it is malformed, unknown, revoked, or bound to
    /// an account that no longer exists.
    [[nodiscard]] Result<Principal> authenticate(Transaction& tx, const Credentials& credentials) const;

private:
    const TokenHasher& hasher_;
};

}  // namespace jambo::core
