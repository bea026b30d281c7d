#include <jambo/smtp/outbox_relay.hpp>

#include <jambo/core/mail_record.hpp>
#include <jambo/core/policy.hpp>

#include <spdlog/spdlog.h>

#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

namespace jambo::smtp {

namespace {

// Never sleep longer than this, so a message enqueued by another process (or a clock jump)
// is picked up eventually even without a notification.
constexpr auto longest_sleep = std::chrono::seconds(60);

std::string ulid_of(const core::OutboxMessage& message) {
    return message.customer ? message.customer->to_string() : std::string();
}

std::string short_duration(std::chrono::milliseconds span) {
    if (span < std::chrono::seconds(1)) return std::to_string(span.count()) + "ms";
    // Rounded up, so that a retry never comes later than the log said it would; to a tenth
    // below ten seconds, where a whole second is a large part of the (jittered) wait.
    if (span < std::chrono::seconds(10)) {
        const auto tenths = (span.count() + 99) / 100;
        return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
    }
    auto seconds = std::chrono::ceil<std::chrono::seconds>(span).count();
    if (seconds >= 3600 && seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
    if (seconds >= 60 && seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
    return std::to_string(seconds) + "s";
}

}  // namespace

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, std::uint32_t attempts, double unit) {
    auto cap = std::max(policy.max, std::chrono::milliseconds(1));
    auto base = std::max(policy.first, std::chrono::milliseconds(1));
    for (std::uint32_t i = 1; i < attempts && base < cap; ++i) base *= 2;
    base = std::min(base, cap);
    auto half = base / 2;
    auto spread = static_cast<double>((base - half).count()) * std::clamp(unit, 0.0, 1.0);
    return std::min(base, half + std::chrono::milliseconds(static_cast<std::int64_t>(spread)));
}

OutboxRelay::OutboxRelay(core::Store& store, const core::Clock& clock, MailTransport& transport, RelayOptions options)
    : store_(store), clock_(clock), transport_(transport), options_(std::move(options)) {
    // Either would make the thread spin: a batch of none is never the last, and housekeeping
    // due every 0 ms is a write transaction per turn.
    if (options_.batch == 0) throw std::invalid_argument("RelayOptions::batch must be at least 1");
    if (options_.housekeeping_every <= std::chrono::milliseconds::zero()) {
        throw std::invalid_argument("RelayOptions::housekeeping_every must be longer than zero");
    }
    if (options_.message_id_domain.empty()) options_.message_id_domain = domain_of(options_.from);
}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() {
    {
        // stop() is for good (it interrupts the transport too); a second thread would race the first.
        std::scoped_lock lock(mutex_);
        if (started_ || stopping_) throw std::logic_error("OutboxRelay::start: a relay runs once; make a new one");
        started_ = true;
    }
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "jambo-mail");
        loop();
    });
}

void OutboxRelay::notify() {
    {
        std::scoped_lock lock(mutex_);
        pending_ = true;
    }
    wake_.notify_one();
}

void OutboxRelay::stop() {
    {
        std::scoped_lock lock(mutex_);
        stopping_ = true;
    }
    transport_.interrupt();
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

bool OutboxRelay::stop_requested() {
    std::scoped_lock lock(mutex_);
    return stopping_;
}

void OutboxRelay::loop() {
    while (!stop_requested()) {
        try {
            run_once();
        } catch (const std::exception& e) {
            spdlog::error("mail relay: {}", e.what());
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.error_pause, [this] { return stopping_; });
        }
    }
}

void OutboxRelay::run_once() {
    {
        std::scoped_lock lock(mutex_);
        pending_ = false;
    }
    housekeeping_if_due();
    while (deliver_due() == options_.batch) {
        if (stop_requested()) return;
    }
    wait_for_work();
}

void OutboxRelay::wait_for_work() {
    std::optional<core::TimePoint> next_due;
    {
        auto tx = store_.begin(core::TransactionMode::read);
        next_due = tx->outbox().next_due();
    }
    const auto now = clock_.now();
    std::chrono::milliseconds sleep = longest_sleep;
    if (next_due) sleep = *next_due - now;
    const auto to_housekeeping =
        std::chrono::ceil<std::chrono::milliseconds>(next_housekeeping_ - std::chrono::steady_clock::now());
    sleep = std::clamp<std::chrono::milliseconds>(std::min(sleep, to_housekeeping), std::chrono::milliseconds(0),
                                                  longest_sleep);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, sleep, [this] { return stopping_ || pending_; });
}

// No retry is scheduled further ahead than the longest wait: messages due later than that
// were scheduled before the wall clock stepped back (NTP, a restored VM) and would otherwise
// wait for the size of the step. They are all made due now, in one write.
void OutboxRelay::bring_forward_stranded(core::TimePoint now) {
    std::vector<core::OutboxMessage> stranded;
    {
        // Read first: most rounds find nothing, and need no write (nor a store that takes one).
        auto tx = store_.begin(core::TransactionMode::read);
        for (auto& message : tx->outbox().due(core::TimePoint::max(), std::numeric_limits<std::uint32_t>::max())) {
            if (message.next_attempt_at > now + options_.retry.max) stranded.push_back(std::move(message));
        }
    }
    if (stranded.empty()) return;
    // Only this thread schedules mail; a message erased meanwhile is just not rescheduled.
    auto tx = store_.begin(core::TransactionMode::write);
    std::size_t moved = 0;
    for (const auto& message : stranded) {
        moved += tx->outbox().reschedule(message.id, now, message.attempts, message.last_error) ? 1 : 0;
    }
    tx->commit();
    if (moved > 0) spdlog::warn("mail relay: the clock is behind {} queued message(s); retrying them now", moved);
}

// On the steady clock, so that a step of the wall clock neither stalls nor hurries it.
void OutboxRelay::housekeeping_if_due() {
    if (std::chrono::steady_clock::now() < next_housekeeping_) return;
    housekeeping();
    next_housekeeping_ = std::chrono::steady_clock::now() + options_.housekeeping_every;
}

void OutboxRelay::housekeeping() {
    // Each on its own: a failing purge must not hide the queue report, nor stop delivery.
    try {
        report_queue();
    } catch (const std::exception& e) {
        spdlog::error("mail relay: cannot read the outbox: {}", e.what());
    }
    try {
        purge_deletion_tokens();
    } catch (const std::exception& e) {
        spdlog::error("mail relay: cannot purge expired deletion tokens: {}", e.what());
    }
}

void OutboxRelay::report_queue() {
    auto tx = store_.begin(core::TransactionMode::read);
    auto depth = tx->outbox().depth();
    if (depth == 0) return;
    auto oldest = tx->outbox().oldest().value_or(clock_.now());
    auto age = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - oldest);
    spdlog::info("mail outbox: {} queued, oldest {}s old", depth, std::max<std::int64_t>(0, age.count()));
}

void OutboxRelay::purge_deletion_tokens() {
    auto keep = std::max<std::chrono::seconds>(options_.expired_links_kept, core::deletion_request_window);
    auto tx = store_.begin(core::TransactionMode::write);
    auto purged = tx->deletion_tokens().purge_expired(clock_.now() - keep);
    tx->commit();
    if (purged > 0) spdlog::info("purged {} expired deletion tokens", purged);
}

std::size_t OutboxRelay::deliver_due() {
    // One message at a time, read just before it is sent: an erasure takes the customer's
    // queued mail with it, and a batch read earlier would still send that mail, perhaps long
    // after, behind slow deliveries (contract: erasure deletes the queued mail).
    const auto now = clock_.now();
    if (!clock_seen_ || now < *clock_seen_) bring_forward_stranded(now);  // at start, and after a step back
    clock_seen_ = now;
    std::size_t handled = 0;
    while (handled < options_.batch && !stop_requested()) {
        std::vector<core::OutboxMessage> next;
        {
            auto tx = store_.begin(core::TransactionMode::read);
            next = tx->outbox().due(clock_.now(), 1);
        }
        if (next.empty()) break;
        handle(next.front());
        ++handled;
    }
    return handled;
}

void OutboxRelay::handle(const core::OutboxMessage& message) {
    if (auto sent = sent_unrecorded_.find(message.id); sent != sent_unrecorded_.end()) {
        // Handed over already; only the record of it failed (a full disk, a lock held too
        // long). Record it now and never send it twice.
        const std::string where = sent->second;
        delivered(message, where);
        return;
    }
    if (message.expires_at && clock_.now() >= *message.expires_at) {
        // Its link answers 410 by now: mailed, it would only mislead. Given up unsent.
        return abandon(message, "its link expired", "not sent");
    }
    std::string where;
    try {
        where = transport_.deliver(to_mail(message));
    } catch (const std::exception& e) {
        // Cut short by shutdown: not the message's fault, so it stays due for the next start.
        if (stop_requested()) return;
        // A DeliveryError says whether retrying can help. Anything else (a file the directory
        // transport could not write, an embedder's transport throwing its own type) is
        // temporary: counted, retried and given up at the deadline like any other failure, so
        // it never holds up the messages behind it.
        const auto* delivery = dynamic_cast<const DeliveryError*>(&e);
        failed(message, e, delivery ? delivery->failure() : Failure::temporary, delivery ? delivery->reply_code() : 0);
        return;
    }
    sent_unrecorded_.emplace(message.id, where);
    delivered(message, where);
}

void OutboxRelay::delivered(const core::OutboxMessage& message, const std::string& where) {
    auto tx = store_.begin(core::TransactionMode::write);
    const bool was_queued = tx->outbox().remove(message.id);
    // Recorded even if it is gone: an erasure or a change of address that dropped it during
    // the hand-over recorded it as given up, but it went out, and the log must say so.
    tx->audit().append(core::AuditEntry{0, clock_.now(), core::audit_event::mail_delivered, ulid_of(message),
                                        core::handled_mail_detail(transport_.kind(), message)});
    tx->commit();
    sent_unrecorded_.erase(message.id);
    // Where, never what: the body holds a secret link.
    spdlog::info("mail {} delivered to {} after {} failed attempts", message.id, where, message.attempts);
    if (!was_queued) {
        spdlog::warn("mail {} for customer {} was handed over while it was being dropped from the queue (the customer "
                     "erased, or their address changed, meanwhile)",
                     message.id, ulid_of(message));
    }
}

void OutboxRelay::failed(const core::OutboxMessage& message, const std::exception& error, Failure failure,
                         int reply_code) {
    const auto attempts = message.attempts + 1;
    const auto now = clock_.now();
    // Retried for the retry period, and never past the message's own expiry (its link's).
    const auto deadline = std::min(message.created_at + options_.retry.give_up_after,
                                   message.expires_at.value_or(core::TimePoint::max()));
    const auto& retry = options_.retry;
    if (failure == Failure::permanent) {
        return abandon(message, "rejected" + (reply_code ? " with " + std::to_string(reply_code) : std::string()),
                       error.what());
    }
    if (message.expires_at && now >= *message.expires_at) return abandon(message, "its link expired", error.what());
    if (now >= deadline || (retry.max_attempts != 0 && attempts >= retry.max_attempts)) {
        return abandon(message, "gave up after " + std::to_string(attempts) + " attempts", error.what());
    }
    auto unit = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_);
    // The last try is at the deadline itself, so a message is never dropped earlier than promised.
    auto next = std::min(now + retry_delay(retry, attempts, unit), deadline);
    auto tx = store_.begin(core::TransactionMode::write);
    tx->outbox().reschedule(message.id, next, attempts, error.what());
    tx->commit();
    spdlog::warn("mail {} attempt {} failed, retrying in {}: {}", message.id, attempts, short_duration(next - now),
                 error.what());
}

void OutboxRelay::abandon(const core::OutboxMessage& message, const std::string& reason, std::string_view error) {
    auto tx = store_.begin(core::TransactionMode::write);
    tx->outbox().remove(message.id);
    // The audit log keeps facts only; the transport's free-text error goes to the log.
    tx->audit().append(core::AuditEntry{0, clock_.now(), core::audit_event::mail_abandoned, ulid_of(message),
                                        core::handled_mail_detail(std::string(transport_.kind()) + ": " + reason, message)});
    tx->commit();
    spdlog::error("mail {} for customer {} abandoned ({}): {}", message.id, ulid_of(message), reason, error);
}

MailMessage OutboxRelay::to_mail(const core::OutboxMessage& message) const {
    MailMessage mail;
    mail.from = options_.from;
    mail.reply_to = options_.reply_to;
    mail.to = message.recipient;
    mail.subject = message.subject;
    mail.body = message.body;
    mail.date = message.created_at;
    mail.message_id = make_message_id(message.id, message.created_at, options_.message_id_domain);
    return mail;
}

}  // namespace jambo::smtp
