#pragma once
// Independent decoders for what the formatter encodes, so the tests check round trips rather
// than the encoder's own idea of itself.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::testing {

inline std::vector<std::string> split_crlf(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find("\r\n", start);
        if (end == std::string_view::npos) {
            if (start < text.size()) lines.emplace_back(text.substr(start));
            break;
        }
        lines.emplace_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

inline std::string decode_base64(std::string_view text) {
    static constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
        auto value = alphabet.find(c);
        if (value == std::string_view::npos) continue;
        bits = (bits << 6) | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xFF));
        }
    }
    return out;
}

/// RFC 2045 quoted-printable: soft breaks joined, =XX decoded, hard breaks kept as CRLF.
inline std::string decode_quoted_printable(std::string_view text) {
    auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
    std::string out;
    for (const auto& line : split_crlf(text)) {
        bool soft = !line.empty() && line.back() == '=';
        std::string_view content(line.data(), line.size() - (soft ? 1 : 0));
        for (std::size_t i = 0; i < content.size(); ++i) {
            if (content[i] == '=' && i + 2 < content.size()) {
                out.push_back(static_cast<char>(hex(content[i + 1]) * 16 + hex(content[i + 2])));
                i += 2;
            } else {
                out.push_back(content[i]);
            }
        }
        if (!soft) out += "\r\n";
    }
    return out;
}

/// The text of a header value made of RFC 2047 B-encoded words (or plain text), unfolded.
inline std::string decode_header_value(std::string_view value) {
    std::string out;
    std::string unfolded;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value.substr(i, 3) == "\r\n ") {
            i += 2;
            continue;
        }
        unfolded.push_back(value[i]);
    }
    std::string_view rest = unfolded;
    while (!rest.empty()) {
        auto start = rest.find("=?UTF-8?B?");
        if (start == std::string_view::npos) {
            out += rest;
            break;
        }
        out += rest.substr(0, start);
        auto end = rest.find("?=", start + 10);
        out += decode_base64(rest.substr(start + 10, end - start - 10));
        rest.remove_prefix(end + 2);
    }
    return out;
}

}  // namespace jambo::testing
