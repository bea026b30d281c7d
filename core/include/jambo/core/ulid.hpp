#pragma once
/// ULID: 48-bit millisecond timestamp + 80 random bits, Crockford base32 text.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::core {

class Clock;
class RandomSource;

class Ulid {
public:
    using Bytes = std::array<std::uint8_t, 16>;

    constexpr Ulid() = default;
    explicit constexpr Ulid(const Bytes& bytes) : bytes_(bytes) {}

    /// Strict parse: exactly 26 Crockford base32 characters (either case), first <= '7'.
    /// No I/L/O/U substitution. Returns nullopt for anything else.
    [[nodiscard]] static std::optional<Ulid> parse(std::string_view text);

    /// 26 upper-case characters.
    [[nodiscard]] std::string to_string() const;
    /// The same characters without an allocation (26 do not fit a short string).
    [[nodiscard]] std::array<char, 26> text() const;
    [[nodiscard]] std::uint64_t timestamp_ms() const;
    [[nodiscard]] const Bytes& bytes() const { return bytes_; }

    friend constexpr auto operator<=>(const Ulid&, const Ulid&) = default;

private:
    Bytes bytes_{};
};

/// Thread-safe, monotonic generator, as the ULID spec defines it: a ULID made in the same
/// millisecond as the previous one is the previous plus one. While the clock is behind the
/// previous ULID (it stepped back, or the generator follows a stored ULID made by a clock that
/// ran ahead) each ULID adds a random 1 to 2^32 instead. If the random part overflows, the
/// timestamp moves on a millisecond, so order and uniqueness survive.
class UlidGenerator {
public:
    UlidGenerator(const Clock& clock, RandomSource& random);
    [[nodiscard]] Ulid next();
    /// Every later ULID sorts after `earlier` (one made by an earlier run, whose clock may
    /// have been ahead of this one's), as if this generator had made it.
    void follow(const Ulid& earlier);

private:
    void take_random(std::uint8_t* out, std::size_t size);

    const Clock& clock_;
    RandomSource& random_;
    std::mutex mutex_;
    std::optional<Ulid> last_;
    // Drawn from random_ a block at a time: with libsodium each draw is a getrandom system
    // call on the store's writer thread (a new millisecond's ULID takes 10 bytes, one made
    // while the clock is behind 4). A ULID's random bits are public, so keeping the block
    // costs nothing.
    std::array<std::uint8_t, 240> random_block_{};
    std::size_t random_used_ = random_block_.size();
};

}  // namespace jambo::core
