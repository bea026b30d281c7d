#include <jambo/smtp/mail_transport.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string_view>

namespace jambo::smtp {

namespace {

std::string rfc5322_date(core::TimePoint time) {
    static constexpr std::array<std::string_view, 7> weekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto day = std::chrono::floor<std::chrono::days>(time);
    std::chrono::year_month_day date(day);
    std::chrono::weekday weekday(day);
    std::chrono::hh_mm_ss clock(std::chrono::floor<std::chrono::seconds>(time - day));
    char text[48];
    std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                  weekdays[weekday.c_encoding()].data(), static_cast<unsigned>(date.day()),
                  months[static_cast<unsigned>(date.month()) - 1].data(), static_cast<int>(date.year()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text;
}

std::string base64(std::string_view data) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < data.size(); i += 3) {
        auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[k])); };
        std::uint32_t chunk = byte(i) << 16;
        if (i + 1 < data.size()) chunk |= byte(i + 1) << 8;
        if (i + 2 < data.size()) chunk |= byte(i + 2);
        out.push_back(alphabet[(chunk >> 18) & 63]);
        out.push_back(alphabet[(chunk >> 12) & 63]);
        out.push_back(i + 1 < data.size() ? alphabet[(chunk >> 6) & 63] : '=');
        out.push_back(i + 2 < data.size() ? alphabet[chunk & 63] : '=');
    }
    return out;
}

bool plain_ascii(std::string_view text) {
    return std::ranges::all_of(text, [](char c) { return c >= 0x20 && c < 0x7f; });
}

// RFC 2047 encoded words of at most 45 bytes each (75 characters encoded), never splitting a
// UTF-8 sequence, folded onto continuation lines.
std::string encode_header_text(std::string_view text) {
    if (plain_ascii(text)) return std::string(text);
    std::string out;
    while (!text.empty()) {
        auto size = std::min<std::size_t>(45, text.size());
        while (size < text.size() && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) --size;
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(text.substr(0, size)) + "?=";
        text.remove_prefix(size);
    }
    return out;
}

// Header values come from configuration and the core; a line break in one would forge headers.
std::string single_line(std::string_view text) {
    std::string out(text);
    std::ranges::replace(out, '\r', ' ');
    std::ranges::replace(out, '\n', ' ');
    return out;
}

std::string crlf_body(std::string_view body) {
    std::string out;
    out.reserve(body.size() + body.size() / 40 + 2);
    for (std::size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\r') continue;
        if (body[i] == '\n') {
            out += "\r\n";
        } else {
            out.push_back(body[i]);
        }
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

}  // namespace

std::string format_message(const MailMessage& message) {
    std::string out;
    out += "Date: " + rfc5322_date(message.date) + "\r\n";
    out += "From: " + single_line(message.from) + "\r\n";
    out += "To: " + single_line(message.to) + "\r\n";
    out += "Subject: " + encode_header_text(single_line(message.subject)) + "\r\n";
    out += "Message-ID: <" + single_line(message.message_id) + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Transfer-Encoding: 8bit\r\n";
    out += "\r\n";
    out += crlf_body(message.body);
    return out;
}

}  // namespace jambo::smtp
