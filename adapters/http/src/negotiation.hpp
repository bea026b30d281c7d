#pragma once
// Content negotiation for the confirm link: a browser gets HTML, everything else JSON.

#include <optional>
#include <string_view>

namespace jambo::http {

/// True when the Accept header ranks text/html above application/json (RFC 9110 12.5.1: the
/// most specific matching range gives each type its quality). At equal quality, text/html wins
/// only if it is matched more specifically than JSON ("text/html, */*"); no header, "*/*" and
/// "text/html, application/json" are JSON clients. A malformed weight (`q=abc`, `q=2`) anywhere
/// in the header counts as preferring text/html: that GET gets the page and deletes nothing.
[[nodiscard]] bool prefers_html(std::optional<std::string_view> accept);

}  // namespace jambo::http
