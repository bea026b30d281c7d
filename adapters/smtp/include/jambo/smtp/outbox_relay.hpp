#pragma once
/// The background sender: takes due messages from the store's outbox, delivers them through
/// a MailTransport, removes them and records the fact (no personal data) in the audit log.

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/smtp/mail_transport.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace jambo::smtp {

struct RelayOptions {
    std::string from = "Jambo <no-reply@localhost>";
    std::uint32_t batch = 16;
    std::uint32_t max_attempts = 8;
    std::chrono::seconds first_backoff{30};
    std::chrono::seconds max_backoff{3600};
    /// After a store failure, before trying again.
    std::chrono::milliseconds error_pause{2000};
};

class OutboxRelay {
public:
    OutboxRelay(core::Store& store, const core::Clock& clock, MailTransport& transport, RelayOptions options);
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;

    /// Starts the thread; it delivers what is already due, then sleeps until notified or until
    /// the next message is due (no polling).
    void start();
    /// Wakes the thread: a message was committed to the outbox. Cheap; callable from any thread.
    void notify();
    /// Finishes the message in hand and joins the thread. Idempotent.
    void stop();

    /// Delivers every message due now, on the calling thread; returns how many were handled
    /// (delivered, rescheduled or abandoned). For tests and for the thread itself.
    std::size_t deliver_due();

private:
    core::Store& store_;
    const core::Clock& clock_;
    MailTransport& transport_;
    RelayOptions options_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = true;
    bool stopping_ = false;
    std::thread thread_;

    void loop();
    void wait_for_work();
    void handle(const core::OutboxMessage& message);
    void delivered(const core::OutboxMessage& message, const std::string& where);
    void failed(const core::OutboxMessage& message, const std::exception& error, bool permanent);
    [[nodiscard]] MailMessage to_mail(const core::OutboxMessage& message) const;
};

}  // namespace jambo::smtp
