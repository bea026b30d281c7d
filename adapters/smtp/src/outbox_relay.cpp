#include <jambo/smtp/outbox_relay.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

namespace jambo::smtp {

namespace {

// Never sleep longer than this, so a message enqueued by another process (or a clock jump)
// is picked up eventually even without a notification.
constexpr auto longest_sleep = std::chrono::seconds(60);

std::string domain_of(std::string_view from) {
    auto at = from.rfind('@');
    if (at == std::string_view::npos) return "localhost";
    auto domain = from.substr(at + 1);
    domain = domain.substr(0, domain.find_first_of("> \t"));
    return domain.empty() ? std::string("localhost") : std::string(domain);
}

}  // namespace

OutboxRelay::OutboxRelay(core::Store& store, const core::Clock& clock, MailTransport& transport, RelayOptions options)
    : store_(store), clock_(clock), transport_(transport), options_(std::move(options)) {}

OutboxRelay::~OutboxRelay() { stop(); }

void OutboxRelay::start() { thread_ = std::thread([this] { loop(); }); }

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
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void OutboxRelay::loop() {
    for (;;) {
        {
            std::scoped_lock lock(mutex_);
            if (stopping_) return;
            pending_ = false;
        }
        try {
            while (deliver_due() == options_.batch) {
                std::scoped_lock lock(mutex_);
                if (stopping_) return;
            }
            wait_for_work();
        } catch (const std::exception& e) {
            spdlog::error("mail relay: {}", e.what());
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.error_pause, [this] { return stopping_; });
        }
    }
}

void OutboxRelay::wait_for_work() {
    std::optional<core::TimePoint> next_due;
    {
        auto tx = store_.begin(core::TransactionMode::read);
        next_due = tx->outbox().next_due();
    }
    std::chrono::milliseconds sleep = longest_sleep;
    if (next_due) sleep = std::clamp(*next_due - clock_.now(), std::chrono::milliseconds(0), sleep);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, sleep, [this] { return stopping_ || pending_; });
}

std::size_t OutboxRelay::deliver_due() {
    std::vector<core::OutboxMessage> due;
    {
        auto tx = store_.begin(core::TransactionMode::read);
        due = tx->outbox().due(clock_.now(), options_.batch);
    }
    for (const auto& message : due) handle(message);
    return due.size();
}

void OutboxRelay::handle(const core::OutboxMessage& message) {
    try {
        auto where = transport_.deliver(to_mail(message));
        delivered(message, where);
    } catch (const DeliveryError& e) {
        failed(message, e, e.permanent());
    } catch (const std::filesystem::filesystem_error& e) {
        failed(message, e, false);
    }
}

void OutboxRelay::delivered(const core::OutboxMessage& message, const std::string& where) {
    auto tx = store_.begin(core::TransactionMode::write);
    tx->outbox().remove(message.id);
    auto subject = message.customer ? message.customer->to_string() : std::string();
    tx->audit().append(core::AuditEntry{0, clock_.now(), "mail.delivered", subject, std::string(transport_.kind())});
    tx->commit();
    // Where, never what: the body holds a secret link.
    spdlog::info("mail {} delivered to {}", message.id, where);
}

void OutboxRelay::failed(const core::OutboxMessage& message, const std::exception& error, bool permanent) {
    auto attempts = message.attempts + 1;
    auto tx = store_.begin(core::TransactionMode::write);
    if (permanent || attempts >= options_.max_attempts) {
        tx->outbox().remove(message.id);
        auto subject = message.customer ? message.customer->to_string() : std::string();
        tx->audit().append(core::AuditEntry{0, clock_.now(), "mail.abandoned", subject, std::string(transport_.kind())});
        tx->commit();
        spdlog::error("mail {} abandoned after {} attempts: {}", message.id, attempts, error.what());
        return;
    }
    auto backoff = options_.first_backoff * (std::int64_t{1} << std::min<std::uint32_t>(attempts - 1, 16));
    backoff = std::min(backoff, options_.max_backoff);
    tx->outbox().reschedule(message.id, clock_.now() + backoff, attempts, error.what());
    tx->commit();
    spdlog::warn("mail {} attempt {} failed, retrying in {}s: {}", message.id, attempts, backoff.count(), error.what());
}

MailMessage OutboxRelay::to_mail(const core::OutboxMessage& message) const {
    MailMessage mail;
    mail.from = options_.from;
    mail.to = message.recipient;
    mail.subject = message.subject;
    mail.body = message.body;
    mail.date = message.created_at;
    mail.message_id = "jambo." + std::to_string(message.id) + "." +
                      std::to_string(message.created_at.time_since_epoch().count()) + "@" + domain_of(options_.from);
    return mail;
}

}  // namespace jambo::smtp
