#pragma once
/// Port: cryptographically secure random bytes (tokens, ULID entropy).

#include <cstddef>
#include <cstdint>
#include <span>

namespace jambo::core {

class RandomSource {
public:
    RandomSource() = default;
    RandomSource(const RandomSource&) = delete;
    RandomSource& operator=(const RandomSource&) = delete;
    virtual ~RandomSource() = default;

    /// Fills `out` entirely. Must be safe to call from several threads at once.
    virtual void fill(std::span<std::uint8_t> out) = 0;
};

}  // namespace jambo::core
