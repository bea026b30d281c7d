#include <jambo/smtp/mail_transport.hpp>
#include <jambo/smtp/message_format.hpp>

#include <jambo/core/mail_record.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

namespace jambo::smtp {

namespace {

// RFC 5322 asks for lines of at most 78 characters where possible; encoded words are sized so
// that "Subject: " plus one of them stays under that.
constexpr std::size_t encoded_word_bytes = 39;
constexpr std::size_t folded_header_width = 78;
constexpr std::size_t max_7bit_line = 997;
constexpr std::size_t qp_line_width = 76;

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

bool is_printable_ascii(char c) { return c >= 0x20 && c < 0x7f; }

bool plain_ascii(std::string_view text) { return std::ranges::all_of(text, is_printable_ascii); }

bool is_atext(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view text) {
    if (text.empty() || text.front() == '.' || text.back() == '.' || text.find("..") != std::string_view::npos) {
        return false;
    }
    return std::ranges::all_of(text, [](char c) { return c == '.' || is_atext(c); });
}

bool is_plain_address(std::string_view address) {
    auto at = address.find('@');
    if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) return false;
    return address.size() <= 254 && is_dot_atom(address.substr(0, at)) && is_dot_atom(address.substr(at + 1));
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// A phrase (RFC 5322 3.2.5): a quoted string, or words without the specials that would let
// the text be read as an address or a list.
bool is_display_name(std::string_view name) {
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
        for (std::size_t i = 1; i + 1 < name.size(); ++i) {
            if (name[i] == '"') return false;
            if (name[i] == '\\' && ++i + 1 == name.size()) return false;  // escapes the closing quote
        }
        return true;
    }
    return name.find_first_of("()<>[]:;@\\,\"") == std::string_view::npos;
}

std::string unquote(std::string_view name) {
    if (name.size() < 2 || name.front() != '"' || name.back() != '"') return std::string(name);
    std::string out;
    for (std::size_t i = 1; i + 1 < name.size(); ++i) {
        if (name[i] == '\\' && i + 2 < name.size()) ++i;
        out.push_back(name[i]);
    }
    return out;
}

// Controls (a CR or LF above all) become spaces: they could end the header line otherwise.
std::string without_controls(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) c = ' ';
    }
    return out;
}

// RFC 2047 encoded words, never splitting a UTF-8 sequence, one per folded line.
std::string encoded_words(std::string_view text) {
    std::string out;
    while (!text.empty()) {
        auto size = std::min(encoded_word_bytes, text.size());
        while (size < text.size() && size > 1 && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) --size;
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(text.substr(0, size)) + "?=";
        text.remove_prefix(size);
    }
    return out;
}

// Unstructured text (Subject): as it is when short plain ASCII, else encoded words.
std::string header_text(std::string_view name, std::string_view value) {
    auto clean = without_controls(value);
    if (plain_ascii(clean) && name.size() + 2 + clean.size() <= folded_header_width) return clean;
    return encoded_words(clean);
}

// A display name as an RFC 5322 phrase: atoms as they are, other ASCII quoted, else encoded.
std::string phrase(std::string_view name) {
    auto clean = without_controls(name);
    bool atoms = std::ranges::all_of(clean, [](char c) { return c == ' ' || is_atext(c); });
    if (atoms && clean.size() <= 60) return clean;
    if (plain_ascii(clean) && clean.size() <= 60) {
        std::string quoted = "\"";
        for (char c : clean) {
            if (c == '"' || c == '\\') quoted.push_back('\\');
            quoted.push_back(c);
        }
        return quoted + "\"";
    }
    return encoded_words(clean);
}

std::string mailbox_header(std::string_view field, std::string_view text) {
    auto mailbox = parse_mailbox(text);
    if (!mailbox) throw DeliveryError(std::string(field) + " is not a usable mail address", Failure::permanent);
    auto name = without_controls(mailbox->name);
    if (trim(name).empty()) return mailbox->address;
    return phrase(trim(name)) + " <" + mailbox->address + ">";
}

std::string checked_message_id(std::string_view id) {
    if (!is_plain_address(id)) throw DeliveryError("Message-ID is malformed", Failure::permanent);
    return "<" + std::string(id) + ">";
}

std::vector<std::string_view> lines_of(std::string_view body) {
    std::vector<std::string_view> lines;
    while (!body.empty()) {
        auto end = body.find('\n');
        auto line = body.substr(0, end);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    }
    return lines;
}

std::string crlf_text(std::string_view body) {
    std::string out;
    out.reserve(body.size() + body.size() / 40 + 2);
    for (auto line : lines_of(body)) {
        for (char c : line) {
            if (c != '\r') out.push_back(c);  // a lone CR would be a line break to some readers
        }
        out += "\r\n";
    }
    if (out.empty()) out = "\r\n";
    return out;
}

bool is_7bit_clean(std::string_view crlf) {
    for (auto line : lines_of(crlf)) {
        if (line.size() > max_7bit_line) return false;
        if (!std::ranges::all_of(line, [](char c) { return c == '\t' || is_printable_ascii(c); })) return false;
    }
    return true;
}

void append_qp_line(std::string& out, std::string_view line) {
    static constexpr std::string_view hex = "0123456789ABCDEF";
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        auto byte = static_cast<unsigned char>(line[i]);
        bool last = i + 1 == line.size();
        bool literal = (byte >= 33 && byte <= 126 && byte != '=') || ((byte == ' ' || byte == '\t') && !last);
        std::size_t size = literal ? 1 : 3;
        // Leave room for the '=' of a soft break.
        if (width + size > qp_line_width - 1) {
            out += "=\r\n";
            width = 0;
        }
        if (literal) {
            out.push_back(static_cast<char>(byte));
        } else {
            out.push_back('=');
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 15]);
        }
        width += size;
    }
    out += "\r\n";
}

}  // namespace

std::optional<Mailbox> parse_mailbox(std::string_view text) {
    text = trim(text);
    Mailbox mailbox;
    if (text.ends_with('>')) {
        auto open = text.rfind('<');
        if (open == std::string_view::npos) return std::nullopt;
        auto name = trim(text.substr(0, open));
        if (!is_display_name(name)) return std::nullopt;
        mailbox.name = unquote(name);
        mailbox.address = std::string(text.substr(open + 1, text.size() - open - 2));
    } else {
        mailbox.address = std::string(text);
    }
    if (!is_plain_address(mailbox.address)) return std::nullopt;
    return mailbox;
}

std::string domain_of(std::string_view mailbox) {
    auto parsed = parse_mailbox(mailbox);
    if (!parsed) return {};
    auto domain = parsed->address.substr(parsed->address.find('@') + 1);
    std::ranges::transform(domain, domain.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    return domain;
}

std::string make_message_id(std::int64_t outbox_id, core::TimePoint created_at, std::string_view domain) {
    return core::mail_key(outbox_id, created_at) + "@" + std::string(domain.empty() ? "localhost" : domain);
}

std::string quoted_printable(std::string_view crlf) {
    std::string out;
    out.reserve(crlf.size() + crlf.size() / 4);
    for (auto line : lines_of(crlf)) append_qp_line(out, line);
    return out;
}

std::string format_message(const MailMessage& message) {
    auto body = crlf_text(message.body);
    bool seven_bit = is_7bit_clean(body);
    std::string out;
    out += "Date: " + rfc5322_date(message.date) + "\r\n";
    out += "From: " + mailbox_header("From", message.from) + "\r\n";
    if (!message.reply_to.empty()) out += "Reply-To: " + mailbox_header("Reply-To", message.reply_to) + "\r\n";
    out += "To: " + mailbox_header("To", message.to) + "\r\n";
    out += "Subject: " + header_text("Subject", message.subject) + "\r\n";
    out += "Message-ID: " + checked_message_id(message.message_id) + "\r\n";
    // RFC 3834: tells vacation responders not to answer.
    out += "Auto-Submitted: auto-generated\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += std::string("Content-Transfer-Encoding: ") + (seven_bit ? "7bit" : "quoted-printable") + "\r\n";
    out += "\r\n";
    out += seven_bit ? body : quoted_printable(body);
    return out;
}

}  // namespace jambo::smtp
