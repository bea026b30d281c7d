#include "wire.hpp"

#include <chrono>
#include <ctime>

namespace jambo::http {

std::string_view reason_phrase(unsigned status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 410: return "Gone";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
    }
}

std::string_view http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local char text[40] = {};
    auto now = std::time(nullptr);
    if (now != cached_second) {
        cached_second = now;
        std::tm parts{};
        gmtime_r(&now, &parts);
        // strftime's %a/%b follow the C locale, which the process never changes.
        std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    }
    return text;
}

void serialize(const Response& response, const Framing& framing, std::string& out) {
    out += "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out += reason_phrase(response.status);
    out += "\r\nDate: ";
    out += http_date();
    out += "\r\n";
    for (const auto& [name, value] : response.headers.fields()) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    // RFC 9110 8.6: no Content-Length in a 204; HEAD gets the length GET would have had.
    bool has_body = response.status != 204 && response.status != 304 && response.status >= 200;
    if (has_body) {
        out += "Content-Length: ";
        out += std::to_string(response.body.size());
        out += "\r\n";
    }
    if (!framing.keep_alive) {
        out += "Connection: close\r\n";
    } else if (framing.version == 10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (has_body && !framing.head) out += response.body;
}

}  // namespace jambo::http
