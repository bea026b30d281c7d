#pragma once
/// Hand-written fakes for the core's ports: deterministic time, randomness and hashing.

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/random_source.hpp>
#include <jambo/core/ports/token_hasher.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>

namespace jambo::testing {

/// A clock that stands still until the test moves it.
class FixedClock final : public core::Clock {
public:
    explicit FixedClock(core::TimePoint start = core::TimePoint{std::chrono::milliseconds{1'700'000'000'000}})
        : now_(start.time_since_epoch().count()) {}

    [[nodiscard]] core::TimePoint now() const override {
        return core::TimePoint{std::chrono::milliseconds{now_.load()}};
    }
    void set(core::TimePoint t) { now_ = t.time_since_epoch().count(); }
    void advance(std::chrono::milliseconds d) { now_ += d.count(); }

private:
    std::atomic<std::int64_t> now_;
};

/// Bytes first, first + 1, ... for the first 256 (a token made first reads as a known text),
/// then a fixed pseudo-random stream (splitmix64): predictable, and no two tokens alike however
/// many customers a test registers (a plain 0..255 cycle repeats tokens by the 10th).
class SequenceRandom final : public core::RandomSource {
public:
    explicit SequenceRandom(std::uint8_t first = 0) : first_(first) {}

    void fill(std::span<std::uint8_t> out) override {
        std::scoped_lock lock(mutex_);
        for (auto& byte : out) byte = next_byte();
    }

private:
    std::uint8_t next_byte() {
        const std::uint64_t n = count_++;
        if (n < 256) return static_cast<std::uint8_t>(first_ + n);
        std::uint64_t z = n * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return static_cast<std::uint8_t>((z ^ (z >> 31)) >> 56);
    }

    std::mutex mutex_;
    std::uint8_t first_;
    std::uint64_t count_ = 0;
};

/// Always the same bytes: for provoking ULID overflow and collisions.
class ConstantRandom final : public core::RandomSource {
public:
    explicit ConstantRandom(std::uint8_t value) : value_(value) {}
    void fill(std::span<std::uint8_t> out) override {
        for (auto& byte : out) byte = value_;
    }

private:
    std::uint8_t value_;
};

/// A cheap, deterministic, non-cryptographic 32-byte digest (FNV-1a, four lanes).
class FakeHasher final : public core::TokenHasher {
public:
    [[nodiscard]] core::TokenHash hash(std::string_view secret) const override {
        core::TokenHash out{};
        for (std::size_t lane = 0; lane < 4; ++lane) {
            std::uint64_t h = 1469598103934665603ULL ^ (lane * 0x9E3779B97F4A7C15ULL);
            for (unsigned char c : secret) {
                h ^= c;
                h *= 1099511628211ULL;
            }
            for (std::size_t i = 0; i < 8; ++i) out[lane * 8 + i] = static_cast<std::uint8_t>(h >> (8 * i));
        }
        return out;
    }
};

}  // namespace jambo::testing
