#pragma once
// JSON output written by hand: the contract fixes field order, and appending to one string
// avoids building a DOM per response.

#include <jambo/http/message.hpp>

#include <string>
#include <string_view>

namespace jambo::http {

/// Appends `text` as a quoted JSON string. Invalid UTF-8 never reaches here (the core
/// validates every stored string), so bytes >= 0x80 pass through unchanged.
void append_json_string(std::string& out, std::string_view text);

/// `{"statusCode": <status>, "body": <body_json>}`.
[[nodiscard]] std::string envelope(unsigned status, std::string_view body_json);
/// The same with one more member after "body": `name` (plain ASCII) and its JSON value (the
/// registration's "token", the seed's "detail" of an unknown deletion link).
[[nodiscard]] std::string envelope(unsigned status, std::string_view body_json, std::string_view name,
                                   std::string_view value_json);

/// A JSON response: sets Content-Type.
[[nodiscard]] Response json_response(unsigned status, std::string body);

inline constexpr std::string_view json_content_type = "application/json; charset=utf-8";

}  // namespace jambo::http
