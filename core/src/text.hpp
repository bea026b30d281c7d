#pragma once
// Small text utilities shared by the rules; internal to the core.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::core::text {

/// Decodes one code point at `pos` of valid UTF-8 and advances `pos`.
char32_t next_code_point(std::string_view text, std::size_t& pos);

/// ASCII lower-casing, plus Latin-1 letters (À..Þ) so "ÅLAND ISLANDS" finds "Åland Islands".
std::string fold_case(std::string_view text);

/// fold_case with accents dropped (Å -> a), for sorting names the way people read them.
std::string sort_key(std::string_view text);

std::string ascii_lower(std::string_view text);

bool is_digit(char c);

/// `text` without the code points at either end for which `strip` is true (valid UTF-8).
std::string_view trim_if(std::string_view text, bool (*strip)(char32_t));

/// Shows nothing and means nothing at the end of a word: zero-width spaces and joiners, word
/// joiners, a byte-order mark, a soft hyphen, Hangul and Braille fillers. (Direction marks
/// may set a name's direction, so they stay; overrides and isolates are refused as controls.)
bool is_invisible(char32_t c);

}  // namespace jambo::core::text
