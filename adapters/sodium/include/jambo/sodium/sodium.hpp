#pragma once
/// jambo::sodium — RandomSource and TokenHasher on libsodium.

#include <jambo/core/ports/random_source.hpp>
#include <jambo/core/ports/token_hasher.hpp>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace jambo::sodium {

/// Initialises libsodium once; throws std::runtime_error if it cannot.
void ensure_initialised();

/// randombytes_buf: the operating system's CSPRNG.
class SodiumRandom final : public core::RandomSource {
public:
    SodiumRandom();
    void fill(std::span<std::uint8_t> out) override;
};

/// BLAKE2b-256 (crypto_generichash), optionally keyed. With a key, a stolen database alone
/// does not let anyone test guesses of tokens.
class Blake2bHasher final : public core::TokenHasher {
public:
    Blake2bHasher();
    /// `key`: 16..64 bytes. Throws std::invalid_argument otherwise.
    explicit Blake2bHasher(std::span<const std::uint8_t> key);
    ~Blake2bHasher() override;

    [[nodiscard]] core::TokenHash hash(std::string_view secret) const override;

private:
    std::vector<std::uint8_t> key_;
};

}  // namespace jambo::sodium
