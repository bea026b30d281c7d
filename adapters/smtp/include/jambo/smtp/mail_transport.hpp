#pragma once
/// jambo::smtp — how queued mail leaves the server: a MailTransport delivers one message;
/// the OutboxRelay feeds it from the store's durable outbox.

#include <jambo/core/ports/clock.hpp>

#include <stdexcept>
#include <string>

namespace jambo::smtp {

struct MailMessage {
    std::string from;        ///< `Name <address>` or a bare address
    std::string to;
    std::string subject;     ///< UTF-8; encoded for the header as needed
    std::string body;        ///< UTF-8 text, lines separated by '\n' or "\r\n"
    core::TimePoint date;
    std::string message_id;  ///< without angle brackets
};

/// A delivery that failed. `permanent` means retrying cannot help (the relay gives up at once).
class DeliveryError : public std::runtime_error {
public:
    DeliveryError(const std::string& what, bool permanent) : std::runtime_error(what), permanent_(permanent) {}
    [[nodiscard]] bool permanent() const { return permanent_; }

private:
    bool permanent_;
};

class MailTransport {
public:
    MailTransport() = default;
    MailTransport(const MailTransport&) = delete;
    MailTransport& operator=(const MailTransport&) = delete;
    virtual ~MailTransport() = default;

    /// Delivers the message or throws DeliveryError. Returns where it went, for the log; never
    /// the content. Called from the relay's one thread.
    virtual std::string deliver(const MailMessage& message) = 0;
    /// A word for the audit log: "file", "smtp".
    [[nodiscard]] virtual std::string_view kind() const = 0;
};

/// The message as RFC 5322 text with CRLF line ends: Date, From, To, Subject (RFC 2047 when
/// not ASCII), Message-ID, MIME headers, then the body (8bit UTF-8).
[[nodiscard]] std::string format_message(const MailMessage& message);

}  // namespace jambo::smtp
