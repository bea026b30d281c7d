#pragma once
/// The background sender: takes due messages from the store's outbox, delivers them through
/// a MailTransport, removes them and records the fact (no personal data) in the audit log.
/// Between deliveries it reports the queue once a period and purges deletion tokens that
/// expired long ago (RelayOptions::expired_links_kept).

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/smtp/mail_transport.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>

namespace jambo::smtp {

/// When a message whose delivery failed for a temporary reason is tried again.
struct RetryPolicy {
    std::chrono::milliseconds first{std::chrono::seconds{5}};  ///< the wait after the first failure, before jitter
    std::chrono::milliseconds max{std::chrono::minutes{5}};  ///< no wait is longer
    /// Counted from when the message was queued; after it the message is abandoned, as it is
    /// at its own expiry (OutboxMessage::expires_at) if that comes first.
    std::chrono::milliseconds give_up_after{std::chrono::hours{24}};
    std::uint32_t max_attempts = 0;  ///< 0: no limit but give_up_after
};

/// The wait after failed attempt number `attempts` (1 for the first failure): `first` doubled
/// per attempt and capped at `max`, then spread over its upper half by `unit` in [0, 1), so
/// that messages which failed together do not retry together.
[[nodiscard]] std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t attempts, double unit);

struct RelayOptions {
    std::string from = "Jambo <no-reply@localhost>";
    /// Where replies go, for a `from` nobody reads; empty: no Reply-To.
    std::string reply_to{};
    /// The right-hand side of Message-IDs; empty: the From address's domain.
    std::string message_id_domain{};
    /// Messages sent per deliver_due() call, each read just before it is sent.
    std::uint32_t batch = 16;
    RetryPolicy retry{};
    /// After a store failure, before trying again.
    std::chrono::milliseconds error_pause{std::chrono::seconds{2}};
    /// How often the queue is reported to the log (while not empty) and expired deletion
    /// tokens are purged.
    std::chrono::milliseconds housekeeping_every{std::chrono::minutes{1}};
    /// How long an expired deletion token is kept, so that its link says "expired" (410)
    /// rather than "unknown" (404); an hour at least (the rate limit counts the last hour's).
    std::chrono::seconds expired_links_kept{std::chrono::days{30}};
};

/// One per database: two relays would both send every message. The store, the clock and the
/// transport must outlive it (its destructor stops it, which interrupts the transport).
class OutboxRelay {
public:
    /// Throws std::invalid_argument for a `batch` of 0 or a `housekeeping_every` of zero.
    OutboxRelay(core::Store& store, const core::Clock& clock, MailTransport& transport, RelayOptions options);
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;

    /// Starts the thread; it delivers what is already due, then sleeps until notified, until
    /// the next message is due or until housekeeping is due (no polling). Once: a second call,
    /// or one after stop(), throws std::logic_error.
    void start();
    /// Wakes the thread: a message was committed to the outbox. Cheap; callable from any thread.
    void notify();
    /// Interrupts the delivery in hand (it stays queued, untouched) and joins the thread.
    /// Undelivered messages stay in the outbox for the next process's relay. Idempotent.
    void stop();

    /// Delivers every message due now, on the calling thread; returns how many were handled
    /// (delivered, rescheduled or abandoned). For tests and for the thread itself: never while
    /// the thread runs (they share state unguarded).
    std::size_t deliver_due();
    /// Logs the queue's depth and oldest age if it is not empty and purges deletion tokens
    /// that expired more than expired_links_kept ago (an hour at least). For tests and for the
    /// thread itself, as deliver_due().
    void housekeeping();

private:
    core::Store& store_;
    const core::Clock& clock_;
    MailTransport& transport_;
    RelayOptions options_;
    std::mt19937_64 jitter_{std::random_device{}()};
    std::chrono::steady_clock::time_point next_housekeeping_{};
    std::optional<core::TimePoint> clock_seen_;  ///< the wall clock at the last delivery round
    /// Messages handed to the transport whose removal from the outbox could not be committed
    /// yet: id -> where they went. Only the relay's thread touches it. A restart forgets it,
    /// so such a message is sent once more then, never every time the store refuses a write.
    std::map<std::int64_t, std::string> sent_unrecorded_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool pending_ = true;
    bool started_ = false;
    bool stopping_ = false;
    std::thread thread_;

    void loop();
    void run_once();
    void wait_for_work();
    void bring_forward_stranded(core::TimePoint now);
    [[nodiscard]] bool stop_requested();
    void housekeeping_if_due();
    void report_queue();
    void purge_deletion_tokens();
    void handle(const core::OutboxMessage& message);
    void delivered(const core::OutboxMessage& message, const std::string& where);
    void failed(const core::OutboxMessage& message, const std::exception& error, Failure failure, int reply_code);
    void abandon(const core::OutboxMessage& message, const std::string& reason, std::string_view error);
    [[nodiscard]] MailMessage to_mail(const core::OutboxMessage& message) const;
};

}  // namespace jambo::smtp
