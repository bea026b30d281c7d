#include "text.hpp"

#include <jambo/core/customer.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace jambo::core {

namespace {

// Valid UTF-8 per RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF.
std::size_t valid_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    const auto cont = [&](std::size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(i + 1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (!cont(i + 1) || !cont(i + 2)) return 0;
        const unsigned char b1 = byte(i + 1);
        if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
        if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
        const unsigned char b1 = byte(i + 1);
        if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
        if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

// Python's str.isspace() set, which DRF's trimming (str.strip) uses.
bool is_unicode_space(char32_t c) {
    switch (c) {
        case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x1C: case 0x1D: case 0x1E:
        case 0x1F: case 0x20: case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
        case 0x202F: case 0x205F: case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

}  // namespace

bool is_valid_utf8(std::string_view text) { return valid_utf8_prefix(text) == text.size(); }

std::size_t valid_utf8_prefix(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        // Request bodies are mostly ASCII: eight bytes with no high bit are eight sequences.
        if (text.size() - i >= 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, text.data() + i, sizeof word);
            if ((word & 0x8080'8080'8080'8080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        const std::size_t n = valid_sequence_length(text, i);
        if (n == 0) return i;
        i += n;
    }
    return text.size();
}

std::size_t code_point_count(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string_view trim(std::string_view text) { return text::trim_if(text, is_unicode_space); }

std::string_view trim_name(std::string_view text) {
    return text::trim_if(text, [](char32_t c) { return is_unicode_space(c) || text::is_invisible(c); });
}

namespace text {

std::string_view trim_if(std::string_view text, bool (*strip)(char32_t)) {
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t pos = begin;
        if (!strip(next_code_point(text, pos))) break;
        begin = pos;
    }
    std::size_t end = text.size();
    while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t pos = start;
        if (!strip(next_code_point(text, pos))) break;
        end = start;
    }
    return text.substr(begin, end - begin);
}

bool is_invisible(char32_t c) {
    switch (c) {
        case 0x00AD: case 0x034F: case 0x115F: case 0x1160: case 0x17B4: case 0x17B5: case 0x2800: case 0x3164:
        case 0xFEFF: case 0xFFA0:
            return true;
        default:
            return (c >= 0x180B && c <= 0x180F) || (c >= 0x200B && c <= 0x200D) || (c >= 0x2060 && c <= 0x2065) ||
                   (c >= 0x206A && c <= 0x206F) || (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0x1BCA0 && c <= 0x1BCA3) ||
                   (c >= 0x1D173 && c <= 0x1D17A);
    }
}

char32_t next_code_point(std::string_view s, std::size_t& pos) {
    const auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[k])); };
    const char32_t b0 = b(pos);
    if (b0 < 0x80) {
        pos += 1;
        return b0;
    }
    if (b0 < 0xE0 && pos + 1 < s.size()) {
        const char32_t c = ((b0 & 0x1F) << 6) | (b(pos + 1) & 0x3F);
        pos += 2;
        return c;
    }
    if (b0 < 0xF0 && pos + 2 < s.size()) {
        const char32_t c = ((b0 & 0x0F) << 12) | ((b(pos + 1) & 0x3F) << 6) | (b(pos + 2) & 0x3F);
        pos += 3;
        return c;
    }
    if (pos + 3 < s.size()) {
        const char32_t c = ((b0 & 0x07) << 18) | ((b(pos + 1) & 0x3F) << 12) | ((b(pos + 2) & 0x3F) << 6) |
                           (b(pos + 3) & 0x3F);
        pos += 4;
        return c;
    }
    pos = s.size();  // truncated input: stop rather than read past the end
    return 0xFFFD;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string fold_case(std::string_view text) {
    std::string out = ascii_lower(text);
    // Latin-1 capitals U+00C0..U+00DE (except ×, U+00D7) are 0xC3 0x80..0x9E in UTF-8;
    // their lower-case forms are 0x20 higher in the second byte.
    for (std::size_t i = 0; i + 1 < out.size(); ++i) {
        const auto lead = static_cast<unsigned char>(out[i]);
        const auto next = static_cast<unsigned char>(out[i + 1]);
        if (lead == 0xC3 && next >= 0x80 && next <= 0x9E && next != 0x97) {
            out[i + 1] = static_cast<char>(next + 0x20);
        }
    }
    return out;
}

std::string sort_key(std::string_view text) {
    static constexpr std::string_view latin1_base =  // U+00E0..U+00FF without their accents
        "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
    const std::string folded = fold_case(text);
    std::string out;
    out.reserve(folded.size());
    for (std::size_t i = 0; i < folded.size(); ++i) {
        const auto lead = static_cast<unsigned char>(folded[i]);
        if (lead == 0xC3 && i + 1 < folded.size()) {
            const auto next = static_cast<unsigned char>(folded[i + 1]);
            if (next >= 0xA0 && next <= 0xBF) {
                out.push_back(latin1_base[next - 0xA0]);
                ++i;
                continue;
            }
        }
        out.push_back(folded[i]);
    }
    return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace text
}  // namespace jambo::core
