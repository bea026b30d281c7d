#pragma once
// SHA-256, only to put the hash of the pages' inline style into their Content-Security-Policy
// (a hash source keeps the policy strict without a stylesheet request).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace jambo::http {

[[nodiscard]] std::array<std::uint8_t, 32> sha256(std::string_view data);
/// Standard base64 with padding, as CSP hash sources are written.
[[nodiscard]] std::string base64(const std::uint8_t* data, std::size_t size);

}  // namespace jambo::http
