#pragma once
/// Port: the one-way hash under which tokens are stored.

#include <jambo/core/token.hpp>

#include <string_view>

namespace jambo::core {

class TokenHasher {
public:
    TokenHasher() = default;
    TokenHasher(const TokenHasher&) = delete;
    TokenHasher& operator=(const TokenHasher&) = delete;
    virtual ~TokenHasher() = default;

    /// Deterministic; safe to call from several threads at once.
    [[nodiscard]] virtual TokenHash hash(std::string_view secret) const = 0;
};

}  // namespace jambo::core
