#pragma once
/// RFC 5322 / MIME text of an outgoing message. Every header value is checked or encoded, so
/// nothing a customer typed can add a header or break a line.

#include <jambo/core/ports/clock.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::smtp {

struct MailMessage {
    std::string from;        ///< `Name <address>` or a bare address
    std::string to;          ///< `Name <address>` or a bare address
    std::string subject;     ///< UTF-8; encoded for the header as needed
    std::string body;        ///< UTF-8 text, lines separated by '\n' or "\r\n"
    core::TimePoint date;
    std::string message_id;  ///< without angle brackets: `left@domain`
    std::string reply_to{};  ///< as `from`; empty: no Reply-To header
};

/// A display name and an address (`local@domain`, the dot-atom form only).
struct Mailbox {
    std::string name;
    std::string address;
};

/// Parses `Name <local@domain>`, `"Quoted" <local@domain>` or `local@domain`. nullopt when
/// the address is not a plain ASCII dot-atom address (no spaces, brackets, controls), or an
/// unquoted name holds a special such as `@`, `:`, `<` or `,`. Controls in the name are kept
/// here; the formatter turns them into spaces.
[[nodiscard]] std::optional<Mailbox> parse_mailbox(std::string_view text);

/// The domain of an address or mailbox, lower-cased; "" when there is none.
[[nodiscard]] std::string domain_of(std::string_view mailbox);

/// A Message-ID (without brackets) that names this outbox message on our domain: the same on
/// every retry, so a receiver can drop a duplicate, and distinct for distinct messages; its
/// local part is the `core::mail_key` the audit log records the message under.
[[nodiscard]] std::string make_message_id(std::int64_t outbox_id, core::TimePoint created_at,
                                          std::string_view domain);

/// The message as RFC 5322 text with CRLF line ends: Date, From, Reply-To if set, To, Subject (RFC 2047 when not
/// plain ASCII or too long), Message-ID, MIME headers, then the body as 7bit when it is ASCII
/// with short lines, else quoted-printable; no line reaches 998 octets.
/// Throws DeliveryError (permanent) when an address or the Message-ID is malformed.
[[nodiscard]] std::string format_message(const MailMessage& message);

/// Quoted-printable (RFC 2045 6.7) of CRLF-separated text, lines at most 76 characters.
[[nodiscard]] std::string quoted_printable(std::string_view crlf_text);

}  // namespace jambo::smtp
