#include <jambo/sodium/sodium.hpp>

#include <sodium.h>

#include <stdexcept>

namespace jambo::sodium {

void ensure_initialised() {
    // sodium_init is idempotent and thread-safe; -1 means no entropy source.
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

SodiumRandom::SodiumRandom() { ensure_initialised(); }

void SodiumRandom::fill(std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); }

Blake2bHasher::Blake2bHasher() { ensure_initialised(); }

Blake2bHasher::Blake2bHasher(std::span<const std::uint8_t> key) : key_(key.begin(), key.end()) {
    ensure_initialised();
    if (key_.size() < crypto_generichash_KEYBYTES_MIN || key_.size() > crypto_generichash_KEYBYTES_MAX) {
        throw std::invalid_argument("a BLAKE2b key must be 16 to 64 bytes");
    }
}

Blake2bHasher::~Blake2bHasher() { sodium_memzero(key_.data(), key_.size()); }

core::TokenHash Blake2bHasher::hash(std::string_view secret) const {
    core::TokenHash digest{};
    crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size(), key_.empty() ? nullptr : key_.data(), key_.size());
    return digest;
}

}  // namespace jambo::sodium
