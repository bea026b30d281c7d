#include <jambo/core/policy.hpp>

#include "text.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace jambo::core {

Policy normalised(Policy policy) {
    // Each of these would fail every request it decides (a division by a page size of zero),
    // so an embedder hears of it when building the service, not from a customer.
    const auto require = [](bool ok, const char* what) {
        if (!ok) throw std::invalid_argument(std::string("jambo::core::Policy: ") + what);
    };
    require(policy.default_page_size > 0, "default_page_size must be at least 1");
    require(policy.max_page_size > 0, "max_page_size must be at least 1");
    require(policy.deletion_requests_per_hour > 0, "deletion_requests_per_hour must be at least 1");
    require(policy.deletion_token_ttl > std::chrono::seconds::zero(), "deletion_token_ttl must be positive");
    require(policy.deletion_mails_per_address_per_hour.value_or(1) > 0,
            "deletion_mails_per_address_per_hour must be at least 1 (leave it unset for no limit)");
    while (policy.public_url.ends_with('/')) policy.public_url.pop_back();
    for (auto& origin : policy.allowed_origins) {
        if (auto normal = normalise_origin(origin)) origin = std::move(*normal);
    }
    return policy;
}

namespace {

// Where the authority of `scheme://authority/path?query#fragment` ends; npos without a scheme.
std::size_t authority_end(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::string_view::npos;
    return std::min(url.find_first_of("/?#", scheme_end + 3), url.size());
}

// A DNS name or IPv4 address as a browser sends it in an Origin: dot-separated labels of
// 1 to 63 letters, digits and hyphens, none at a label's ends (RFC 1123 2.1), with the
// absolute name's trailing dot allowed ("example.com." is an origin of its own); or an IPv6
// literal in brackets. "x..y" or "-x-" could never match a browser's Origin.
bool is_host(std::string_view host) {
    if (host.starts_with('[')) {
        if (host.size() < 4 || !host.ends_with(']')) return false;
        const auto inside = host.substr(1, host.size() - 2);
        const auto hex_or_separator = [](char c) {
            return text::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
        };
        return std::ranges::all_of(inside, hex_or_separator) && inside.find(':') != std::string_view::npos;
    }
    if (host.size() > 1 && host.ends_with('.')) host.remove_suffix(1);
    if (host.empty() || host.size() > 253) return false;
    std::size_t start = 0;
    for (;;) {
        const auto dot = host.find('.', start);
        const auto label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        const bool fits = !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-';
        const bool letters = std::ranges::all_of(label, [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || text::is_digit(c) || c == '-';
        });
        if (!fits || !letters) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

}  // namespace

std::optional<std::string> origin_of_url(std::string_view url) {
    const auto end = authority_end(url);
    if (end == std::string_view::npos) return std::nullopt;
    return normalise_origin(url.substr(0, end));
}

std::string path_of_url(std::string_view url) {
    const auto start = authority_end(url);
    if (start >= url.size() || url[start] != '/') return {};
    return std::string(url.substr(start, url.find_first_of("?#", start) - start));
}

std::optional<std::string> normalise_origin(std::string_view origin) {
    if (origin.ends_with('/')) origin.remove_suffix(1);
    const auto scheme_end = origin.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const std::string scheme = text::ascii_lower(origin.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    const std::string_view authority = origin.substr(scheme_end + 3);
    if (authority.empty() || authority.find_first_of("/?#@ \\") != std::string_view::npos) return std::nullopt;

    std::string_view host = authority;
    std::string_view port;
    if (const auto colon = authority.rfind(':'); colon != std::string_view::npos && authority.back() != ']') {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        unsigned number = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
        if (port.empty() || !text::is_digit(port.front()) || error != std::errc{} ||
            end != port.data() + port.size() || number == 0 || number > 65535) {
            return std::nullopt;
        }
    }
    if (!is_host(host)) return std::nullopt;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on a chain of
    // std::string operator+ here in optimised builds.
    std::string out(scheme);
    out.append("://").append(text::ascii_lower(host));
    if (!port.empty()) out.append(":").append(port);
    return out;
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t unit = 1;
    switch (text.back()) {
        case 's': unit = 1; text.remove_suffix(1); break;
        case 'm': unit = 60; text.remove_suffix(1); break;
        case 'h': unit = 3600; text.remove_suffix(1); break;
        case 'd': unit = 86400; text.remove_suffix(1); break;
        default: break;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value <= 0 ||
        value > 365 * 86400 / unit) {
        return std::nullopt;
    }
    return std::chrono::seconds{value * unit};
}

}  // namespace jambo::core
