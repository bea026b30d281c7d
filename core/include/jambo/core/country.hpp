#pragma once
/// ISO 3166-1 countries, compiled in from Debian's iso-codes at build time.

#include <optional>
#include <span>
#include <string_view>

namespace jambo::core {

struct Country {
    std::string_view alpha_2;
    std::string_view alpha_3;
    std::string_view name;
    std::string_view common_name;    ///< empty when iso-codes has none
    std::string_view official_name;  ///< empty when iso-codes has none

    /// The English name people use: common_name if there is one, else name.
    [[nodiscard]] std::string_view display_name() const {
        return common_name.empty() ? name : common_name;
    }
};

/// All 249 entries, sorted by display name (accents folded, case-insensitive).
[[nodiscard]] std::span<const Country> all_countries();

/// Case-insensitive lookup by alpha-2, alpha-3, name, common name or official name.
[[nodiscard]] const Country* find_country(std::string_view text);

/// Exact lookup by stored alpha-2 code (upper-case).
[[nodiscard]] const Country* country_by_alpha_2(std::string_view code);

}  // namespace jambo::core
