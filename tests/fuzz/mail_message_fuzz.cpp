// The mail message builder (jambo::smtp::format_message) with arbitrary display names,
// subjects and bodies: what a customer types must never add a header or break a line.
//
// Checked for every message it builds: CRLF line ends only, no line over 998 octets, the header
// section has exactly the fields, in the same order, as a message with plain names has; To and
// From end with the address we gave; the body cannot start early (the first empty line is the
// one after the headers). An input whose address is unusable may only be refused with
// DeliveryError, and only when parse_mailbox refuses it too.

#include <jambo/smtp/mail_transport.hpp>
#include <jambo/smtp/message_format.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

void check(bool condition, const char* what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz check failed: %s\n", what);
        std::abort();
    }
}

struct Field {
    std::string name;
    std::string value;  // unfolded
};

// Splits the header section into fields; checks the line structure on the way.
std::vector<Field> header_fields(const std::string& text, std::size_t& body_start) {
    std::vector<Field> fields;
    std::size_t at = 0;
    for (;;) {
        auto end = text.find("\r\n", at);
        check(end != std::string::npos, "the header section ends with an empty line");
        std::string_view line(text.data() + at, end - at);
        at = end + 2;
        if (line.empty()) break;
        check(line.find_first_of("\r\n") == std::string_view::npos, "no bare CR or LF in a header");
        check(line.size() <= 998, "header lines at most 998 octets");
        if (line.front() == ' ' || line.front() == '\t') {
            check(!fields.empty(), "a continuation line follows a field");
            fields.back().value += std::string(line);
            continue;
        }
        auto colon = line.find(':');
        check(colon != std::string_view::npos && colon > 0, "a field has a name");
        for (char c : line.substr(0, colon)) check(c > 0x20 && c < 0x7f, "field names are printable ASCII");
        fields.push_back(Field{std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
    body_start = at;
    return fields;
}

std::vector<std::string> names(const std::vector<Field>& fields) {
    std::vector<std::string> out;
    for (const auto& field : fields) out.push_back(field.name);
    return out;
}

const std::string& value_of(const std::vector<Field>& fields, std::string_view name) {
    for (const auto& field : fields) {
        if (field.name == name) return field.value;
    }
    check(false, "a field we set is missing");
    std::abort();
}

jambo::smtp::MailMessage plain_message() {
    jambo::smtp::MailMessage message;
    message.from = "Jambo <no-reply@jambo.test>";
    message.to = "Plain Name <customer@example.org>";
    message.subject = "Confirm the deletion of your data";
    message.body = "Open this link:\nhttp://jambo.test/api/customer/x/delete/confirm\n";
    message.date = jambo::core::TimePoint{std::chrono::milliseconds{1'700'000'000'000}};
    message.message_id = "jambo.1.1@jambo.test";
    return message;
}

const std::vector<std::string>& expected_names() {
    static const std::vector<std::string> expected = [] {
        auto text = jambo::smtp::format_message(plain_message());
        std::size_t body_start = 0;
        return names(header_fields(text, body_start));
    }();
    return expected;
}

// Quoted, bare, or with angle brackets and quotes inside: the ways a name meets an address.
std::string mailbox(std::uint8_t style, const std::string& name, const std::string& address) {
    switch (style % 4) {
        case 0: return name + " <" + address + ">";
        case 1: return "\"" + name + "\" <" + address + ">";
        case 2: return name + "<" + address + ">";
        default: return address;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    auto to_style = input.ConsumeIntegral<std::uint8_t>();
    auto from_style = input.ConsumeIntegral<std::uint8_t>();
    auto to_name = input.ConsumeRandomLengthString(512);
    auto from_name = input.ConsumeRandomLengthString(256);
    auto subject = input.ConsumeRandomLengthString(1024);
    auto body = input.ConsumeRemainingBytesAsString();

    const std::string to_address = "customer@example.org";
    const std::string from_address = "no-reply@jambo.test";
    auto message = plain_message();
    message.to = mailbox(to_style, to_name, to_address);
    message.from = mailbox(from_style, from_name, from_address);
    message.subject = subject;
    message.body = body;

    std::string text;
    try {
        text = jambo::smtp::format_message(message);
    } catch (const jambo::smtp::DeliveryError& e) {
        check(e.permanent(), "a malformed address is a permanent failure");
        check(!jambo::smtp::parse_mailbox(message.to) || !jambo::smtp::parse_mailbox(message.from),
              "only an unusable address is refused");
        return 0;
    }
    auto to = jambo::smtp::parse_mailbox(message.to);
    auto from = jambo::smtp::parse_mailbox(message.from);
    check(to && from, "a message is built only for usable addresses");

    std::size_t body_start = 0;
    auto fields = header_fields(text, body_start);
    check(names(fields) == expected_names(), "exactly the header fields we set, in order");
    check(value_of(fields, "To").ends_with(to->address) || value_of(fields, "To").ends_with("<" + to->address + ">"),
          "To names the address given");
    check(value_of(fields, "From").ends_with(from->address) ||
              value_of(fields, "From").ends_with("<" + from->address + ">"),
          "From names the address given");

    std::string_view rest(text.data() + body_start, text.size() - body_start);
    for (std::size_t at = 0; at < rest.size();) {
        auto end = rest.find("\r\n", at);
        check(end != std::string_view::npos, "the body ends with CRLF");
        auto line = rest.substr(at, end - at);
        check(line.find_first_of("\r\n") == std::string_view::npos, "no bare CR or LF in the body");
        check(line.size() <= 998, "body lines at most 998 octets");
        at = end + 2;
    }
    return 0;
}
