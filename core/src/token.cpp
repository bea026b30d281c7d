#include <jambo/core/token.hpp>

#include <jambo/core/ports/random_source.hpp>

#include "text.hpp"

#include <algorithm>
#include <array>

namespace jambo::core {

namespace {

constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

Secret random_secret(RandomSource& random, std::string_view prefix) {
    std::array<std::uint8_t, 32> bytes{};
    random.fill(bytes);
    Secret secret{std::string(prefix) + base64url_encode(bytes.data(), bytes.size())};
    bytes.fill(0);
    return secret;
}

// 43 characters encode 258 bits for 256; the last character's low two bits must be zero,
// or two spellings would name the same token.
// Every request with a token checks it; a table beats searching the alphabet per character.
constexpr auto base64url_values = [] {
    std::array<std::int8_t, 256> values{};
    values.fill(-1);
    for (std::size_t i = 0; i < base64url_alphabet.size(); ++i) {
        values[static_cast<unsigned char>(base64url_alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return values;
}();

bool is_canonical_secret(std::string_view text) {
    if (text.size() != secret_chars) return false;
    for (char c : text) {
        if (base64url_values[static_cast<unsigned char>(c)] < 0) return false;
    }
    return (base64url_values[static_cast<unsigned char>(text.back())] & 0x3) == 0;
}

}  // namespace

std::string base64url_encode(const std::uint8_t* data, std::size_t size) {
    std::string out;
    out.reserve((size * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 2 < size; i += 3) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8) | data[i + 2];
        out.push_back(base64url_alphabet[(v >> 18) & 63]);
        out.push_back(base64url_alphabet[(v >> 12) & 63]);
        out.push_back(base64url_alphabet[(v >> 6) & 63]);
        out.push_back(base64url_alphabet[v & 63]);
    }
    if (size - i == 1) {
        const unsigned v = unsigned{data[i]} << 16;
        out.push_back(base64url_alphabet[(v >> 18) & 63]);
        out.push_back(base64url_alphabet[(v >> 12) & 63]);
    } else if (size - i == 2) {
        const unsigned v = (unsigned{data[i]} << 16) | (unsigned{data[i + 1]} << 8);
        out.push_back(base64url_alphabet[(v >> 18) & 63]);
        out.push_back(base64url_alphabet[(v >> 12) & 63]);
        out.push_back(base64url_alphabet[(v >> 6) & 63]);
    }
    return out;
}

Secret make_bearer_token(RandomSource& random) { return random_secret(random, bearer_prefix); }

Secret make_deletion_token(RandomSource& random) { return random_secret(random, ""); }

bool is_well_formed_bearer_token(std::string_view text) {
    return text.starts_with(bearer_prefix) && is_canonical_secret(text.substr(bearer_prefix.size()));
}

std::optional<std::string> bearer_token_flaw(std::string_view text) {
    if (!text.starts_with(bearer_prefix)) return "a jambo token starts with jmb_";
    const auto secret = text.substr(bearer_prefix.size());
    // Characters as a person counts them: a UTF-8 letter pasted in is one, not two bytes.
    const auto characters = [](std::string_view part) {
        return static_cast<std::size_t>(std::ranges::count_if(part, [](char c) { return (c & 0xC0) != 0x80; }));
    };
    const auto length = characters(secret);
    const auto count = " has " + std::to_string(length) + " characters after jmb_ where a token has 43";
    if (length < secret_chars) return "it" + count + " (was it cut off?)";
    if (length > secret_chars) return "it" + count + " (was something pasted with it?)";
    for (std::size_t i = 0; i < secret.size(); ++i) {
        if (base64url_values[static_cast<unsigned char>(secret[i])] < 0) {
            return "character " + std::to_string(bearer_prefix.size() + characters(secret.substr(0, i)) + 1) +
                   " is not a letter, digit, - or _, the only characters a token has";
        }
    }
    // 43 characters carry 258 bits for the 256 of the secret: only 16 letters can end a token.
    if (!is_canonical_secret(secret)) return "no token ends with " + std::string(1, secret.back()) + " (was it mistyped?)";
    return std::nullopt;
}

bool is_well_formed_deletion_token(std::string_view text) { return is_canonical_secret(text); }

std::optional<std::string_view> bearer_credentials(std::string_view authorization) {
    const auto space = authorization.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    if (text::ascii_lower(authorization.substr(0, space)) != "bearer") return std::nullopt;
    std::string_view token = authorization.substr(space + 1);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

}  // namespace jambo::core
