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
    std::optional<std::string> authorization = std::nullopt;
    /// For a program that embeds the core and has authenticated its caller its own way: the
    /// account to act as, in place of a bearer token. The account must exist (a customer since
    /// erased, or a staff account never added, is "Invalid token."), and the use cases'
    /// authorization rules apply to it as to a token's. The HTTP adapter never sets it.
    std::optional<Principal> vouched_for = std::nullopt;
};

class Authenticator {
public:
    explicit Authenticator(const TokenHasher& hasher) : hasher_(hasher) {}

    /// Inside the caller's transaction, so the lookup and the use case see one snapshot.
    /// Errors: unauthenticated "Authentication credentials were not provided." when there is
    /// no Bearer header (and no vouched_for); "Invalid token." when it is malformed, unknown,
    /// revoked, or bound to an account that no longer exists (so is a vouched_for account that
    /// does not exist).
    [[nodiscard]] Result<Principal> authenticate(Transaction& tx, const Credentials& credentials) const;

private:
    const TokenHasher& hasher_;
};

}  // namespace jambo::core
