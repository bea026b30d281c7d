#include <jambo/core/ulid.hpp>

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/random_source.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace jambo::core {

namespace {

constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Value of a Crockford character, either case; -1 for anything else (I, L, O, U included:
// a strict parser keeps one spelling per ULID). A table: every request parses a ULID or two.
constexpr auto crockford_values = [] {
    std::array<std::int8_t, 256> values{};
    values.fill(-1);
    for (std::size_t i = 0; i < crockford.size(); ++i) {
        const char c = crockford[i];
        values[static_cast<unsigned char>(c)] = static_cast<std::int8_t>(i);
        if (c >= 'A' && c <= 'Z') values[static_cast<unsigned char>(c - 'A' + 'a')] = static_cast<std::int8_t>(i);
    }
    return values;
}();

int decode_char(char c) { return crockford_values[static_cast<unsigned char>(c)]; }

}  // namespace

std::optional<Ulid> Ulid::parse(std::string_view text) {
    if (text.size() != 26) return std::nullopt;
    // 26 characters carry 130 bits; the first holds only 3 of the 128, so it must be <= '7'.
    Bytes bytes{};
    unsigned bits = 0;
    unsigned buffer = 0;
    std::size_t out = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const int value = decode_char(text[i]);
        if (value < 0 || (i == 0 && value > 7)) return std::nullopt;
        buffer = (buffer << 5) | static_cast<unsigned>(value);
        bits += 5;
        if (i == 0) bits = 3;  // the two high bits of the first character are padding
        if (bits >= 8) {
            bits -= 8;
            bytes[out++] = static_cast<std::uint8_t>((buffer >> bits) & 0xFF);
        }
    }
    return Ulid{bytes};
}

std::array<char, 26> Ulid::text() const {
    std::array<char, 26> out{};
    // Read the 128 bits from the least significant end, 5 at a time.
    unsigned buffer = 0;
    unsigned bits = 0;
    std::size_t pos = out.size();
    for (std::size_t i = bytes_.size(); i-- > 0;) {
        buffer |= static_cast<unsigned>(bytes_[i]) << bits;
        bits += 8;
        while (bits >= 5) {
            out[--pos] = crockford[buffer & 0x1F];
            buffer >>= 5;
            bits -= 5;
        }
    }
    out[0] = crockford[buffer & 0x1F];  // the remaining 3 bits
    return out;
}

std::string Ulid::to_string() const {
    const auto chars = text();
    return {chars.data(), chars.size()};
}

std::uint64_t Ulid::timestamp_ms() const {
    std::uint64_t ms = 0;
    for (std::size_t i = 0; i < 6; ++i) ms = (ms << 8) | bytes_[i];
    return ms;
}

UlidGenerator::UlidGenerator(const Clock& clock, RandomSource& random) : clock_(clock), random_(random) {}

void UlidGenerator::follow(const Ulid& earlier) {
    std::scoped_lock lock(mutex_);
    if (!last_ || *last_ < earlier) last_ = earlier;
}

void UlidGenerator::take_random(std::uint8_t* out, std::size_t size) {
    if (random_block_.size() - random_used_ < size) {
        random_.fill(random_block_);
        random_used_ = 0;
    }
    std::copy_n(random_block_.begin() + static_cast<std::ptrdiff_t>(random_used_), size, out);
    random_used_ += size;
}

Ulid UlidGenerator::next() {
    const auto now = clock_.now().time_since_epoch().count();
    std::uint64_t ms = now < 0 ? 0 : static_cast<std::uint64_t>(now);

    std::scoped_lock lock(mutex_);
    Ulid::Bytes bytes{};
    if (last_ && ms <= last_->timestamp_ms()) {
        // Add to the previous ULID as a 128-bit number: in the same millisecond one, as the ULID
        // spec's monotonic mode does (the contract's "monotonic within a millisecond"). While
        // the clock is behind it, which can last hours after a clock that ran ahead was
        // corrected, a random 1 to 2^32 instead, so that the ULIDs made meanwhile do not count
        // the registrations for anyone who sees two, and two generators that follow the same
        // stored ULID do not make the same ones. A carry out of the random part moves the
        // timestamp on, which keeps order and uniqueness.
        bytes = last_->bytes();
        std::array<std::uint8_t, 4> step{};
        if (ms < last_->timestamp_ms()) take_random(step.data(), step.size());
        std::uint64_t carry = 1;
        for (std::size_t k = 0; k < step.size(); ++k) carry += std::uint64_t{step[k]} << (8 * k);
        for (std::size_t i = bytes.size(); i-- > 0 && carry != 0;) {
            carry += bytes[i];
            bytes[i] = static_cast<std::uint8_t>(carry & 0xFF);
            carry >>= 8;
        }
    } else {
        ms &= 0xFFFF'FFFF'FFFFULL;
        for (std::size_t i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
        take_random(bytes.data() + 6, bytes.size() - 6);
    }
    last_ = Ulid{bytes};
    return *last_;
}

}  // namespace jambo::core
