#include "json_writer.hpp"

#include <array>

namespace jambo::http {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                 '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    out.push_back('"');
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
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

std::string envelope(unsigned status, std::string_view body_json) {
    std::string out;
    out.reserve(body_json.size() + 32);
    out += R"({"statusCode":)";
    out += std::to_string(status);
    out += R"(,"body":)";
    out += body_json;
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
