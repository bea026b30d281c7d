#pragma once
// Small ASCII helpers shared by the adapter's translation units.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::http {

[[nodiscard]] inline char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

[[nodiscard]] inline std::string_view trim_ows(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

/// The value of the parameter `name` (case-insensitive) among the `;`-separated parameters of a
/// media type or media range (`type/subtype; charset=utf-8; q=0.5`, or the parameters alone);
/// nullopt when it is absent.
[[nodiscard]] inline std::optional<std::string_view> media_parameter(std::string_view params, std::string_view name) {
    while (!params.empty()) {
        const auto semicolon = params.find(';');
        const auto param = trim_ows(params.substr(0, semicolon));
        params = semicolon == std::string_view::npos ? std::string_view() : params.substr(semicolon + 1);
        const auto equals = param.find('=');
        if (equals != std::string_view::npos && iequals(trim_ows(param.substr(0, equals)), name)) {
            return trim_ows(param.substr(equals + 1));
        }
    }
    return std::nullopt;
}

[[nodiscard]] inline std::string to_lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = ascii_lower(c);
    return out;
}

}  // namespace jambo::http
