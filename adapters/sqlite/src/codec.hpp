#pragma once
// How domain values are stored: times as integer milliseconds since the epoch, ulids as their
// 26-character text (which sorts like the ulid), hashes as 32-byte blobs, dates as YYYY-MM-DD.

#include <jambo/core/customer.hpp>
#include <jambo/core/ports/clock.hpp>
#include <jambo/core/token.hpp>
#include <jambo/core/ulid.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jambo::sqlite::detail {

inline std::int64_t to_millis(core::TimePoint time) { return time.time_since_epoch().count(); }

inline core::TimePoint from_millis(std::int64_t millis) {
    return core::TimePoint{std::chrono::milliseconds{millis}};
}

inline core::Ulid ulid_from(std::string_view text) {
    if (auto ulid = core::Ulid::parse(text)) return *ulid;
    throw std::runtime_error("database holds a malformed ulid: \"" + std::string(text) + "\"");
}

inline core::TokenHash hash_from(std::span<const std::uint8_t> bytes) {
    core::TokenHash hash{};
    if (bytes.size() != hash.size())
        throw std::runtime_error("database holds a token hash of the wrong size");
    std::copy(bytes.begin(), bytes.end(), hash.begin());
    return hash;
}

inline std::chrono::year_month_day date_from(std::string_view text) {
    if (auto date = core::rules::parse_date(text)) return *date;
    throw std::runtime_error("database holds a malformed date: \"" + std::string(text) + "\"");
}

}  // namespace jambo::sqlite::detail
