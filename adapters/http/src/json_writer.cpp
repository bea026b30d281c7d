#include "json_writer.hpp"

#include <array>

namespace jambo::http {

namespace {

// Length of the well-formed UTF-8 sequence (RFC 3629) at text[i], 0 if there is none: no
// overlong forms, no surrogates, nothing past U+10FFFF.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    auto lead = at(i);
    std::size_t size = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        size = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        size = 3;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        size = 4;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (i + size > text.size()) return 0;
    if (at(i + 1) < low || at(i + 1) > high) return 0;
    for (std::size_t k = 2; k < size; ++k) {
        if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
    }
    return size;
}

}  // namespace

// Whatever a client sent that ends up in a message (a media type, a bad value), the output is
// valid JSON: controls are escaped and bytes that are not UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view text) {
    static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                 '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    out.push_back('"');
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x80) {
            if (auto size = utf8_sequence(text, i); size > 0) {
                out.append(text.substr(i, size));
                i += size - 1;
            } else {
                out += "\\ufffd";
            }
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (byte < 0x20 || byte == 0x7f) {
                    out += "\\u00";
                    out.push_back(hex[byte >> 4]);
                    out.push_back(hex[byte & 0x0f]);
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

std::string envelope(unsigned status, std::string_view body_json) { return envelope(status, body_json, {}, {}); }

std::string envelope(unsigned status, std::string_view body_json, std::string_view name, std::string_view value_json) {
    std::string out;
    out.reserve(body_json.size() + name.size() + value_json.size() + 36);
    out += R"({"statusCode":)";
    out += std::to_string(status);
    out += R"(,"body":)";
    out += body_json;
    if (!name.empty()) {
        out += ",\"";
        out += name;
        out += "\":";
        out += value_json;
    }
    out += '}';
    return out;
}

Response json_response(unsigned status, std::string body) {
    Response response;
    response.status = status;
    response.headers.add("Content-Type", std::string(json_content_type));
    response.body = std::move(body);
    return response;
}

}  // namespace jambo::http
