#pragma once
/// Bearer tokens, deletion tokens, their stored hashes, and who a token speaks for.

#include <jambo/core/ulid.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::core {

class RandomSource;

/// BLAKE2b-256 (or any 32-byte digest a TokenHasher makes) of a token's text.
using TokenHash = std::array<std::uint8_t, 32>;

enum class Role { customer, staff };

/// The authenticated caller: a role and the customer or staff account the token is bound to.
struct Principal {
    Role role;
    Ulid subject;

    friend bool operator==(const Principal&, const Principal&) = default;
};

/// A freshly made secret, in the only form that will ever be shown.
struct Secret {
    std::string text;
};

inline constexpr std::string_view bearer_prefix = "jmb_";
inline constexpr std::size_t secret_chars = 43;  ///< 32 bytes in base64url, no padding

/// `jmb_` + 43 base64url characters from 32 random bytes.
[[nodiscard]] Secret make_bearer_token(RandomSource& random);
/// 43 base64url characters from 32 random bytes.
[[nodiscard]] Secret make_deletion_token(RandomSource& random);

/// True for exactly the strings make_bearer_token can produce (canonical base64url).
[[nodiscard]] bool is_well_formed_bearer_token(std::string_view text);
/// What a person should hear about a string that is not a well-formed bearer token (a
/// paste cut short, a stray character, a mistyped last character); nullopt if it is one.
[[nodiscard]] std::optional<std::string> bearer_token_flaw(std::string_view text);
/// True for exactly the strings make_deletion_token can produce.
[[nodiscard]] bool is_well_formed_deletion_token(std::string_view text);

/// base64url without padding; exposed for tests and adapters.
[[nodiscard]] std::string base64url_encode(const std::uint8_t* data, std::size_t size);

/// Extracts the token of an `Authorization: Bearer <token>` header value; nullopt if the
/// scheme is not Bearer (case-insensitive) or no token follows.
[[nodiscard]] std::optional<std::string_view> bearer_credentials(std::string_view authorization);

}  // namespace jambo::core
