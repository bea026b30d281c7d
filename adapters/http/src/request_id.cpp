#include "request_id.hpp"

#include <jambo/core/ulid.hpp>

#include <algorithm>
#include <chrono>
#include <random>

namespace jambo::http {

namespace {

thread_local std::string current_id;

bool is_base64url(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_hex_or_hyphen(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
}

// Fewer characters than this of a token's 43 leave at least 12 unknown (72 bits): not a
// token anyone could rebuild from the log.
constexpr std::size_t token_piece = 32;

// The id is logged with every request, and tokens are never logged: an id that holds a bearer
// token (jmb_...) or 32 or more base64url characters (most of a 43-character token, or all
// of one) is not taken, even cut into pieces by the '.' and ':' an id may hold. Hex digits and
// hyphens alone are (a UUID, a 64-digit trace id): 32 random base64url characters are that
// about once in 10^18.
bool could_hold_a_token(std::string_view id) {
    if (id.find("jmb_") != std::string_view::npos) return true;
    std::size_t letters = 0;
    bool all_hex = true;
    for (char c : id) {
        if (!is_base64url(c)) continue;  // '.' or ':', the only others a sane id has
        ++letters;
        all_hex = all_hex && is_hex_or_hyphen(c);
    }
    return letters >= token_piece && !all_hex;
}

}  // namespace

bool is_sane_request_id(std::string_view id) {
    // Only characters that cannot break a log line, a header or a JSON string.
    return !id.empty() && id.size() <= 128 &&
           std::ranges::all_of(id, [](char c) { return is_base64url(c) || c == '.' || c == ':'; }) &&
           !could_hold_a_token(id);
}

std::string new_request_id() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    core::Ulid::Bytes bytes{};
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    for (std::size_t i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(ms) >> (40 - 8 * i));
    auto high = engine();
    auto low = engine();
    for (std::size_t i = 0; i < 8; ++i) bytes[6 + i] = static_cast<std::uint8_t>(high >> (8 * i));
    for (std::size_t i = 0; i < 2; ++i) bytes[14 + i] = static_cast<std::uint8_t>(low >> (8 * i));
    return core::Ulid(bytes).to_string();
}

std::string choose_request_id(std::optional<std::string_view> sent) {
    if (sent && is_sane_request_id(*sent)) return std::string(*sent);
    return new_request_id();
}

const std::string& ensure_request_id(Request& request) {
    if (request.request_id.empty()) request.request_id = choose_request_id(request.headers.find("X-Request-Id"));
    return request.request_id;
}

void set_current_request_id(std::string_view id) { current_id.assign(id); }

std::string_view current_request_id() { return current_id; }

}  // namespace jambo::http
