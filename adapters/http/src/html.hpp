#pragma once
// The pages a browser sees behind a deletion link: self-contained HTML (no script, no
// external resource) under a strict Content-Security-Policy.

#include <jambo/core/error.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/http/message.hpp>

#include <string>
#include <string_view>

namespace jambo::http {

/// What will be deleted, with a button that POSTs to the same URL.
[[nodiscard]] Response confirm_page(const core::ErasurePreview& preview);
[[nodiscard]] Response erased_page();
/// A refusal as a page, with the status and headers its JSON face would have.
[[nodiscard]] Response error_page(const core::Error& error);
/// The 404 of a link that erased its record at `erased_at` (a second click, a reload), which
/// its JSON face answers as an unknown link.
[[nodiscard]] Response used_link_page(core::TimePoint erased_at);

[[nodiscard]] std::string html_escape(std::string_view text);
/// The Content-Security-Policy every page carries.
[[nodiscard]] const std::string& page_security_policy();

}  // namespace jambo::http
