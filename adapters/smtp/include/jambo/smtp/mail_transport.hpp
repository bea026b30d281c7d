#pragma once
/// jambo::smtp — how queued mail leaves the server: a MailTransport delivers one message;
/// the OutboxRelay feeds it from the store's durable outbox.

#include <jambo/core/ports/clock.hpp>
#include <jambo/smtp/message_format.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace jambo::smtp {

/// A delivery that failed. `permanent` means retrying cannot help (the relay gives up at once);
/// `reply_code` is the SMTP reply that ended the attempt, 0 when there was none.
class DeliveryError : public std::runtime_error {
public:
    DeliveryError(const std::string& what, bool permanent, int reply_code = 0)
        : std::runtime_error(what), permanent_(permanent), reply_code_(reply_code) {}
    [[nodiscard]] bool permanent() const { return permanent_; }
    [[nodiscard]] int reply_code() const { return reply_code_; }

private:
    bool permanent_;
    int reply_code_;
};

class MailTransport {
public:
    MailTransport() = default;
    MailTransport(const MailTransport&) = delete;
    MailTransport& operator=(const MailTransport&) = delete;
    virtual ~MailTransport() = default;

    /// Delivers the message or throws DeliveryError (permanent for a message that cannot be
    /// formatted). Returns where it went, for the log; never the content. Called from the
    /// relay's one thread.
    virtual std::string deliver(const MailMessage& message) = 0;
    /// A word for the audit log: "file", "smtp".
    [[nodiscard]] virtual std::string_view kind() const = 0;
    /// Makes a delivery in progress on another thread end soon with a DeliveryError, and every
    /// later one fail at once; for shutdown. Transports that never block need not override it.
    virtual void interrupt() {}
};

}  // namespace jambo::smtp
