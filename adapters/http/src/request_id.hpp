#pragma once
// Request ids: the client's if it sent a sane one (so its logs and ours line up), else a ULID.

#include <jambo/http/message.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace jambo::http {

[[nodiscard]] bool is_sane_request_id(std::string_view id);
/// A fresh ULID; not secret, so a per-thread PRNG is enough.
[[nodiscard]] std::string new_request_id();
[[nodiscard]] std::string choose_request_id(std::optional<std::string_view> sent);
/// The request's id, chosen on first use (choose_request_id of its X-Request-Id) and kept.
const std::string& ensure_request_id(Request& request);

/// The id of the request this thread is handling, for log lines deep in the adapter.
void set_current_request_id(std::string_view id);
[[nodiscard]] std::string_view current_request_id();

}  // namespace jambo::http
