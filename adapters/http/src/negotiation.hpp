#pragma once
// Content negotiation for the confirm link: a browser gets HTML, everything else JSON.

#include <optional>
#include <string_view>

namespace jambo::http {

/// True when the Accept header ranks text/html strictly above application/json (RFC 9110
/// 12.5.1: the most specific matching range gives each type its quality).
[[nodiscard]] bool prefers_html(std::optional<std::string_view> accept);

}  // namespace jambo::http
