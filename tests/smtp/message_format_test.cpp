#include <jambo/smtp/mail_transport.hpp>

#include "mime_decode.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace jambo;
using testing::decode_header_value;
using testing::decode_quoted_printable;
using testing::split_crlf;

namespace {

smtp::MailMessage sample() {
    return smtp::MailMessage{"Jambo <no-reply@jambo.test>",
                             "a@example.org",
                             "Confirm the deletion of your data",
                             "line one\nline two",
                             core::TimePoint{std::chrono::milliseconds(0)},
                             "jambo.0.1@jambo.test"};
}

struct Parsed {
    std::vector<std::pair<std::string, std::string>> headers;  // name, raw value (folds kept)
    std::string body;
};

// Splits the way a receiver does: a header line starts a field unless it begins with a space.
Parsed parse(const std::string& text) {
    Parsed parsed;
    auto end = text.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    for (const auto& line : split_crlf(text.substr(0, end))) {
        if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            REQUIRE(!parsed.headers.empty());
            parsed.headers.back().second += "\r\n" + line;
            continue;
        }
        auto colon = line.find(':');
        REQUIRE(colon != std::string::npos);
        auto value = line.substr(colon + 1);
        if (value.starts_with(' ')) value.erase(0, 1);
        parsed.headers.emplace_back(line.substr(0, colon), value);
    }
    parsed.body = text.substr(end + 4);
    return parsed;
}

std::vector<std::string> names(const Parsed& parsed) {
    std::vector<std::string> out;
    for (const auto& header : parsed.headers) out.push_back(header.first);
    return out;
}

std::string header(const Parsed& parsed, std::string_view name) {
    for (const auto& [key, value] : parsed.headers) {
        if (key == name) return value;
    }
    FAIL("no " << name << " header");
    return {};
}

const std::vector<std::string> expected_names = {"Date",         "From",         "To",           "Subject",
                                                 "Message-ID",   "Auto-Submitted", "MIME-Version", "Content-Type",
                                                 "Content-Transfer-Encoding"};

// Every line ends in CRLF (no bare CR or LF), is 7-bit and shorter than 998 octets.
void check_wire_form(const std::string& text) {
    REQUIRE(text.ends_with("\r\n"));
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') REQUIRE((i > 0 && text[i - 1] == '\r'));
        if (text[i] == '\r') REQUIRE((i + 1 < text.size() && text[i + 1] == '\n'));
        REQUIRE(static_cast<unsigned char>(text[i]) < 0x80);
    }
    for (const auto& line : split_crlf(text)) REQUIRE(line.size() < 998);
}

bool permanently_refused(const smtp::MailMessage& message) {
    try {
        (void)smtp::format_message(message);
    } catch (const smtp::DeliveryError& e) {
        return e.permanent();
    }
    return false;
}

}  // namespace

TEST_CASE("a message has RFC 5322 headers - MIME headers - and CRLF line ends", "[smtp]") {
    auto text = smtp::format_message(sample());
    check_wire_form(text);
    auto parsed = parse(text);
    CHECK(names(parsed) == expected_names);
    CHECK(header(parsed, "Date") == "Thu, 01 Jan 1970 00:00:00 +0000");
    CHECK(header(parsed, "From") == "Jambo <no-reply@jambo.test>");
    CHECK(header(parsed, "To") == "a@example.org");
    CHECK(header(parsed, "Subject") == "Confirm the deletion of your data");
    CHECK(header(parsed, "Message-ID") == "<jambo.0.1@jambo.test>");
    CHECK(header(parsed, "MIME-Version") == "1.0");
    CHECK(header(parsed, "Content-Type") == "text/plain; charset=utf-8");
    CHECK(header(parsed, "Content-Transfer-Encoding") == "7bit");
    CHECK(parsed.body == "line one\r\nline two\r\n");
}

TEST_CASE("a Reply-To, when set, follows From - and is checked and encoded as From is", "[smtp]") {
    auto message = sample();
    message.reply_to = "Zo\xc3\xab's Privacy Desk <privacy@jambo.test>";
    auto text = smtp::format_message(message);
    check_wire_form(text);
    auto parsed = parse(text);
    auto with_reply_to = expected_names;
    with_reply_to.insert(with_reply_to.begin() + 2, "Reply-To");
    CHECK(names(parsed) == with_reply_to);
    const auto reply_to = header(parsed, "Reply-To");
    CHECK(reply_to.ends_with(" <privacy@jambo.test>"));
    CHECK(decode_header_value(reply_to.substr(0, reply_to.find(" <"))) == "Zo\xc3\xab's Privacy Desk");
    message.reply_to = "Evil\r\nBcc: victim@example.org <privacy@jambo.test>";
    CHECK(permanently_refused(message));
}

TEST_CASE("a CR or LF in the sender's display name cannot add a header", "[smtp]") {
    auto message = sample();
    for (const auto* name : {"Evil\r\nBcc victim", "Evil\nX-Injected 1", "Evil\rBcc", "\"Evil\r\n\r\nbody\" ",
                             "\"Evil\r\nBcc: victim@example.org\"", "Zoë\r\nX-Injected 1"}) {
        message.from = std::string(name) + " <no-reply@jambo.test>";
        auto text = smtp::format_message(message);
        check_wire_form(text);
        auto parsed = parse(text);
        CHECK(names(parsed) == expected_names);
        CHECK(header(parsed, "From").ends_with(" <no-reply@jambo.test>"));
    }
}

TEST_CASE("a display name that reads as more addresses is refused for good", "[smtp]") {
    auto message = sample();
    for (const auto* from : {"Evil\r\nBcc: victim@example.org <no-reply@jambo.test>",
                             "a@example.org\r\nRCPT TO:<v@example.org>", "v@example.org, <no-reply@jambo.test>",
                             "\"unterminated\\\" <no-reply@jambo.test>"}) {
        INFO(from);
        message.from = from;
        CHECK(permanently_refused(message));
    }
}

TEST_CASE("a CR or LF in the subject cannot add a header", "[smtp]") {
    auto message = sample();
    for (const auto* subject : {"Hi\r\nBcc: victim@example.org", "Hi\nBcc: victim@example.org", "Hi\r\n\r\nbody",
                                "Grüße\r\nBcc: victim@example.org", "\nX-Injected: 1"}) {
        message.subject = subject;
        auto text = smtp::format_message(message);
        check_wire_form(text);
        auto parsed = parse(text);
        CHECK(names(parsed) == expected_names);
        auto decoded = decode_header_value(header(parsed, "Subject"));
        CHECK(decoded.find('\r') == std::string::npos);
        CHECK(decoded.find('\n') == std::string::npos);
    }
}

TEST_CASE("an address with a line break - space or bracket is refused for good - never written", "[smtp]") {
    for (const auto* address : {"a@example.org\r\nBcc: victim@example.org", "a@example.org\nBcc: v@example.org",
                                "a@example.org\r\nRCPT TO:<v@example.org>",
                                "a@example.org>\r\nBcc: v@example.org", "a b@example.org", "a@exa mple.org",
                                "<a@example.org>, v@example.org", "a@@example.org", "", "no-at-sign"}) {
        auto to = sample();
        to.to = address;
        CHECK(permanently_refused(to));
        auto from = sample();
        from.from = std::string("Jambo <") + address + ">";
        CHECK(permanently_refused(from));
    }
    auto id = sample();
    id.message_id = "x@jambo.test>\r\nBcc: v@example.org";
    CHECK(permanently_refused(id));
}

TEST_CASE("UTF-8 names and subjects become encoded words that decode to the original", "[smtp]") {
    auto message = sample();
    message.from = "Zoë Ñúñez 日本語 <no-reply@jambo.test>";
    message.subject = "Löschung bestätigen — 确认删除您的数据, bitte jetzt sofort, ça presse énormément";
    auto text = smtp::format_message(message);
    check_wire_form(text);
    auto parsed = parse(text);
    CHECK(names(parsed) == expected_names);
    CHECK(decode_header_value(header(parsed, "Subject")) == message.subject);
    auto from = header(parsed, "From");
    CHECK(from.ends_with(" <no-reply@jambo.test>"));
    CHECK(decode_header_value(from.substr(0, from.find(" <"))) == "Zoë Ñúñez 日本語");
    for (const auto& line : split_crlf(text.substr(0, text.find("\r\n\r\n")))) CHECK(line.size() <= 78);
}

TEST_CASE("plain ASCII names with specials are quoted - atoms are left alone", "[smtp]") {
    auto message = sample();
    message.from = R"("Jambo, the \"service\"" <no-reply@jambo.test>)";
    CHECK(header(parse(smtp::format_message(message)), "From") ==
          R"("Jambo, the \"service\"" <no-reply@jambo.test>)");
    message.from = "\"Jambo Team\" <no-reply@jambo.test>";
    CHECK(header(parse(smtp::format_message(message)), "From") == "Jambo Team <no-reply@jambo.test>");
}

TEST_CASE("a long ASCII subject is folded into encoded words under 78 characters", "[smtp]") {
    auto message = sample();
    message.subject = std::string(300, 'x');
    auto text = smtp::format_message(message);
    check_wire_form(text);
    CHECK(decode_header_value(header(parse(text), "Subject")) == message.subject);
    for (const auto& line : split_crlf(text.substr(0, text.find("\r\n\r\n")))) CHECK(line.size() <= 78);
}

TEST_CASE("long body lines are wrapped under 998 octets and decode to the original", "[smtp]") {
    auto message = sample();
    auto long_ascii = std::string(5000, 'a');
    auto long_utf8 = std::string();
    for (int i = 0; i < 1500; ++i) long_utf8 += "ë€";
    message.body = "start\n" + long_ascii + "\n" + long_utf8 + "\nend";
    auto text = smtp::format_message(message);
    check_wire_form(text);
    auto parsed = parse(text);
    CHECK(header(parsed, "Content-Transfer-Encoding") == "quoted-printable");
    for (const auto& line : split_crlf(parsed.body)) CHECK(line.size() <= 76);
    CHECK(decode_quoted_printable(parsed.body) == "start\r\n" + long_ascii + "\r\n" + long_utf8 + "\r\nend\r\n");
}

TEST_CASE("quoted-printable round-trips every byte - trailing blanks and '=' included", "[smtp]") {
    std::string line;
    for (int byte = 1; byte < 256; ++byte) {
        if (byte != '\r' && byte != '\n') line.push_back(static_cast<char>(byte));
    }
    std::string text = line + "\r\ntrailing space \r\ntrailing tab\t\r\n= =3D ==\r\n.\r\n\r\nFrom me\r\n";
    auto encoded = smtp::quoted_printable(text);
    for (const auto& encoded_line : split_crlf(encoded)) {
        CHECK(encoded_line.size() <= 76);
        CHECK_FALSE(encoded_line.ends_with(' '));
        CHECK_FALSE(encoded_line.ends_with('\t'));
    }
    CHECK(std::ranges::all_of(encoded, [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    CHECK(decode_quoted_printable(encoded) == text);
}

TEST_CASE("bare CR and LF in a body become CRLF line ends", "[smtp]") {
    auto message = sample();
    message.body = "one\rstill one\ntwo\r\nthree";
    auto parsed = parse(smtp::format_message(message));
    CHECK(parsed.body == "onestill one\r\ntwo\r\nthree\r\n");
}

TEST_CASE("Message-IDs are on our domain - distinct per message - and stable across retries", "[smtp]") {
    std::set<std::string> ids;
    auto base = core::TimePoint{std::chrono::milliseconds{1'700'000'000'000}};
    for (std::int64_t id = 1; id <= 200; ++id) {
        for (int ms = 0; ms < 5; ++ms) {
            auto text = smtp::make_message_id(id, base + std::chrono::milliseconds(ms), "jambo.example");
            CHECK(text.ends_with("@jambo.example"));
            ids.insert(text);
        }
    }
    CHECK(ids.size() == 1000);
    CHECK(smtp::make_message_id(7, base, "jambo.example") == smtp::make_message_id(7, base, "jambo.example"));
    CHECK(smtp::make_message_id(7, base, "").ends_with("@localhost"));
    auto message = sample();
    message.message_id = smtp::make_message_id(7, base, "jambo.example");
    CHECK(header(parse(smtp::format_message(message)), "Message-ID") == "<" + message.message_id + ">");
}

TEST_CASE("mailboxes parse as a name and a plain address", "[smtp]") {
    auto jambo = smtp::parse_mailbox("Jambo <no-reply@Jambo.Example>");
    REQUIRE(jambo);
    CHECK(jambo->name == "Jambo");
    CHECK(jambo->address == "no-reply@Jambo.Example");
    CHECK(smtp::parse_mailbox(" a@b.example ")->address == "a@b.example");
    CHECK(smtp::parse_mailbox("\"Q \\\"x\\\"\" <a@b.example>")->name == "Q \"x\"");
    CHECK_FALSE(smtp::parse_mailbox("Jambo <>"));
    CHECK_FALSE(smtp::parse_mailbox("Jambo"));
    CHECK(smtp::domain_of("Jambo <no-reply@Jambo.Example>") == "jambo.example");
    CHECK(smtp::domain_of("nonsense").empty());
}
