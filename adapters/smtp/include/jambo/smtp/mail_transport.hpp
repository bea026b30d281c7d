#pragma once
/// jambo::smtp — how queued mail leaves the server: a MailTransport delivers one message;
/// the OutboxRelay feeds it from the store's durable outbox.

#include <jambo/core/ports/clock.hpp>
#include <jambo/smtp/message_format.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace jambo::smtp {

/// Whether trying the same message again later could succeed.
enum class Failure {
    temporary,  ///< the relay retries with backoff until its deadline
    permanent,  ///< retrying cannot help: the relay gives up at once
};

/// A delivery that failed; `reply_code` is the SMTP reply that ended the attempt, 0 when there
/// was none.
class DeliveryError : public std::runtime_error {
public:
    DeliveryError(const std::string& what, Failure failure, int reply_code = 0)
        : std::runtime_error(what), failure_(failure), reply_code_(reply_code) {}
    [[nodiscard]] Failure failure() const { return failure_; }
    [[nodiscard]] bool permanent() const { return failure_ == Failure::permanent; }
    [[nodiscard]] int reply_code() const { return reply_code_; }

private:
    Failure failure_;
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
