#include <jambo/core/mail_record.hpp>
#include <jambo/memory/memory_store.hpp>
#include <jambo/smtp/directory_transport.hpp>
#include <jambo/smtp/outbox_relay.hpp>

#include "fakes.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

using namespace jambo;
using namespace std::chrono_literals;

namespace {

const auto owner = *core::Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKPBS");

struct TempDir {
    TempDir() {
        path = std::filesystem::temp_directory_path() /
               ("jambo-smtp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::filesystem::path path;
    static inline int counter = 0;
};

std::vector<std::filesystem::path> eml_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    if (!std::filesystem::exists(dir)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".eml") files.push_back(entry.path());
    }
    return files;
}

std::string read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Queued mail and deletion tokens belong to a customer that exists, as the stores insist.
void ensure_owner(core::Transaction& tx) {
    if (tx.customers().find(owner)) return;
    core::Customer customer;
    customer.ulid = owner;
    customer.first_name = "Mail";
    customer.last_name = "Owner";
    customer.nationality = "KE";
    customer.dob = std::chrono::year_month_day{std::chrono::year{1990}, std::chrono::January, std::chrono::day{1}};
    customer.email = "someone@example.org";
    customer.phone_number = "254700000001";
    REQUIRE(tx.customers().insert(customer));
}

std::int64_t enqueue(core::Store& store, const core::Clock& clock, const std::string& body,
                     const std::string& recipient = "someone@example.org",
                     std::optional<core::TimePoint> expires_at = std::nullopt) {
    auto tx = store.begin(core::TransactionMode::write);
    ensure_owner(*tx);
    core::OutboxMessage message;
    message.customer = owner;
    message.recipient = recipient;
    message.subject = "Confirm the deletion of your data";
    message.body = body;
    message.created_at = clock.now();
    message.next_attempt_at = clock.now();
    message.expires_at = expires_at;
    auto id = tx->outbox().enqueue(message);
    tx->commit();
    return id;
}

std::vector<core::OutboxMessage> queued(core::Store& store, core::TimePoint until) {
    auto tx = store.begin(core::TransactionMode::read);
    return tx->outbox().due(until, 100);
}

std::vector<core::AuditEntry> audit(core::Store& store) {
    auto tx = store.begin(core::TransactionMode::read);
    return tx->audit().latest(1000);
}

class FailingTransport final : public smtp::MailTransport {
public:
    explicit FailingTransport(bool permanent = false, int reply = 0) : permanent_(permanent), reply_(reply) {}
    std::string deliver(const smtp::MailMessage& message) override {
        ++calls;
        last_to = message.to;
        throw smtp::DeliveryError("refused <" + message.to + ">",
                                  permanent_ ? smtp::Failure::permanent : smtp::Failure::temporary, reply_);
    }
    [[nodiscard]] std::string_view kind() const override { return "smtp"; }
    int calls = 0;
    std::string last_to;

private:
    bool permanent_;
    int reply_;
};

// Blocks in deliver() until interrupted, as a transfer to a stalled server does.
class StallingTransport final : public smtp::MailTransport {
public:
    std::string deliver(const smtp::MailMessage&) override {
        std::unique_lock lock(mutex_);
        entered_ = true;
        changed_.notify_all();
        changed_.wait(lock, [this] { return interrupted_; });
        throw smtp::DeliveryError("interrupted", smtp::Failure::temporary);
    }
    [[nodiscard]] std::string_view kind() const override { return "smtp"; }
    void interrupt() override {
        std::scoped_lock lock(mutex_);
        interrupted_ = true;
        changed_.notify_all();
    }
    bool wait_until_entered() {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 5s, [this] { return entered_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool entered_ = false;
    bool interrupted_ = false;
};

// Sends the default logger's lines to a string for the test's duration.
class CapturedLog {
public:
    CapturedLog() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        sink->set_pattern("%v");
        spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
    }
    ~CapturedLog() { spdlog::set_default_logger(previous_); }
    CapturedLog(const CapturedLog&) = delete;
    CapturedLog& operator=(const CapturedLog&) = delete;
    [[nodiscard]] std::string text() {
        spdlog::default_logger()->flush();
        return stream_.str();
    }

private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream stream_;
};

}  // namespace

TEST_CASE("the retry wait doubles from the first - is capped - and jitters over its upper half", "[smtp]") {
    smtp::RetryPolicy policy{.first = 5s, .max = 5min};
    CHECK(smtp::retry_delay(policy, 1, 0.0) == 2500ms);
    CHECK(smtp::retry_delay(policy, 1, 0.999999) <= 5s);
    CHECK(smtp::retry_delay(policy, 1, 0.999999) > 4990ms);
    CHECK(smtp::retry_delay(policy, 2, 0.0) == 5s);
    CHECK(smtp::retry_delay(policy, 3, 0.5) == 15s);
    CHECK(smtp::retry_delay(policy, 7, 0.0) == 150s);  // 5 s * 2^6 = 320 s, capped at 300 s
    CHECK(smtp::retry_delay(policy, 1000, 1.0) == 5min);
    for (std::uint32_t attempt = 1; attempt < 40; ++attempt) {
        for (double unit : {0.0, 0.25, 0.5, 0.75, 0.999}) {
            auto wait = smtp::retry_delay(policy, attempt, unit);
            CHECK(wait >= 2500ms);
            CHECK(wait <= 5min);
        }
    }
}

TEST_CASE("by default a failing message is retried within seconds - every few minutes - for a day", "[smtp]") {
    CapturedLog quiet;  // some four hundred warnings
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::OutboxRelay relay(store, clock, transport, {});
    const auto start = clock.now();
    const auto id = enqueue(store, clock, "body");
    std::vector<std::chrono::milliseconds> waits;
    auto last = clock.now();
    while (relay.deliver_due() == 1) {
        auto tx = store.begin(core::TransactionMode::read);
        auto next = tx->outbox().next_due();
        if (!next) break;
        waits.push_back(*next - last);
        clock.set(*next);
        last = *next;
    }
    REQUIRE(waits.size() > 100);
    CHECK(waits.front() <= 5s);
    CHECK(*std::ranges::max_element(waits) <= 5min);
    CHECK(clock.now() == start + 24h);
    CHECK(transport.calls == static_cast<int>(waits.size()) + 1);
    CHECK(queued(store, clock.now() + 48h).empty());
    auto entries = audit(store);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].event == "mail.abandoned");
    CHECK(entries[0].subject == owner.to_string());
    CHECK(entries[0].detail ==
          "smtp: gave up after " + std::to_string(transport.calls) + " attempts; message " + core::mail_key(id, start));
}

TEST_CASE("a temporary failure keeps the message - with the attempt and the error - for later", "[smtp]") {
    CapturedLog log;
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::OutboxRelay relay(store, clock, transport, {});
    enqueue(store, clock, "body");
    CHECK(relay.deliver_due() == 1);
    CHECK(relay.deliver_due() == 0);
    auto later = queued(store, clock.now() + 1h);
    REQUIRE(later.size() == 1);
    CHECK(later[0].attempts == 1);
    CHECK(later[0].next_attempt_at >= clock.now() + 2500ms);
    CHECK(later[0].next_attempt_at <= clock.now() + 5s);
    CHECK(later[0].last_error.starts_with("refused"));
    CHECK(audit(store).empty());

    // The log gives the wait to a tenth of a second, never less than it is (whole seconds
    // rounded up said "2s" for waits of 1.2 s).
    const auto wait = later[0].next_attempt_at - clock.now();
    std::smatch said;
    const auto text = log.text();
    REQUIRE(std::regex_search(text, said, std::regex(R"(retrying in (\d)\.(\d)s:)")));
    const auto tenths = std::stoi(said[1]) * 10 + std::stoi(said[2]);
    CHECK(tenths * 100 >= wait.count());
    CHECK(tenths * 100 < wait.count() + 100);
}

// An embedder's transport that fails with its own exception type for one recipient.
class ThrowingTransport final : public smtp::MailTransport {
public:
    std::string deliver(const smtp::MailMessage& message) override {
        if (message.to == "broken@example.org") throw std::runtime_error("the mail API answered 502");
        delivered_to.push_back(message.to);
        return "the mail API";
    }
    [[nodiscard]] std::string_view kind() const override { return "api"; }
    std::vector<std::string> delivered_to;
};

TEST_CASE("a transport failing with any exception is retried - and does not hold up the mail behind it", "[smtp]") {
    // Only DeliveryError used to count as a failure: anything else went round the relay's
    // loop every two seconds, never counted, never given up, first in the queue for ever.
    testing::FixedClock clock;
    memory::MemoryStore store;
    ThrowingTransport transport;
    smtp::OutboxRelay relay(store, clock, transport, {});
    enqueue(store, clock, "first", "broken@example.org");
    clock.advance(1ms);
    enqueue(store, clock, "second", "fine@example.org");
    CHECK(relay.deliver_due() == 2);
    CHECK(transport.delivered_to == std::vector<std::string>{"fine@example.org"});
    auto later = queued(store, clock.now() + 1h);
    REQUIRE(later.size() == 1);
    CHECK(later[0].recipient == "broken@example.org");
    CHECK(later[0].attempts == 1);
    CHECK(later[0].last_error == "the mail API answered 502");
    // Given up at the deadline, as a DeliveryError would be.
    clock.advance(25h);
    CHECK(relay.deliver_due() == 1);
    CHECK(queued(store, clock.now() + 1h).empty());
    REQUIRE(audit(store).size() == 2);
    CHECK(audit(store)[0].event == "mail.abandoned");
}

TEST_CASE("after the wall clock steps back every message waiting for its retry is tried at once", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::RelayOptions options;
    options.retry.first = 2s;
    options.retry.max = 8s;
    smtp::OutboxRelay relay(store, clock, transport, options);
    enqueue(store, clock, "first");
    enqueue(store, clock, "second");
    REQUIRE(relay.deliver_due() == 2);  // both failed: due again in 1-2 s
    CHECK(relay.deliver_due() == 0);    // not yet
    clock.advance(-1h);                 // NTP corrects a clock that ran an hour fast
    CHECK(relay.deliver_due() == 2);    // not an hour later: their due times cannot be right
    CHECK(transport.calls == 4);
    CHECK(relay.deliver_due() == 0);  // rescheduled from the corrected clock
    clock.advance(8s);
    CHECK(relay.deliver_due() == 2);
    CHECK(transport.calls == 6);
}

TEST_CASE("a message is retried no later than its expiry - and then given up unsent", "[smtp]") {
    CapturedLog quiet;
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;  // an SMTP outage longer than the link lives
    smtp::OutboxRelay relay(store, clock, transport, {});
    const auto start = clock.now();
    const auto id = enqueue(store, clock, "body", "someone@example.org", start + 1h);
    int rounds = 0;
    while (relay.deliver_due() == 1) {
        ++rounds;
        auto tx = store.begin(core::TransactionMode::read);
        const auto next = tx->outbox().next_due();
        if (!next) break;
        CHECK(*next <= start + 1h);
        clock.set(*next);
    }
    CHECK(clock.now() == start + 1h);  // not the day of the retry period
    CHECK(transport.calls == rounds - 1);  // the round at the expiry itself sent nothing
    CHECK(queued(store, clock.now() + 48h).empty());
    const auto entries = audit(store);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].event == "mail.abandoned");
    CHECK(entries[0].detail == "smtp: its link expired; message " + core::mail_key(id, start));
}

TEST_CASE("a message first due after its expiry is never handed to the transport", "[smtp]") {
    CapturedLog quiet;
    testing::FixedClock clock;
    memory::MemoryStore store;
    ThrowingTransport transport;
    smtp::OutboxRelay relay(store, clock, transport, {});
    enqueue(store, clock, "expired", "someone@example.org", clock.now() + 1h);
    enqueue(store, clock, "live", "other@example.org", clock.now() + 3h);
    clock.advance(2h);  // the relay was stopped meanwhile
    CHECK(relay.deliver_due() == 2);
    CHECK(transport.delivered_to == std::vector<std::string>{"other@example.org"});
    CHECK(queued(store, clock.now() + 48h).empty());
}

TEST_CASE("a permanent failure stops at once - audited with the reply code - not the address", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport(true, 550);
    smtp::OutboxRelay relay(store, clock, transport, {});
    const auto id = enqueue(store, clock, "body");
    CHECK(relay.deliver_due() == 1);
    CHECK(transport.calls == 1);
    CHECK(queued(store, clock.now() + 48h).empty());
    auto entries = audit(store);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].event == "mail.abandoned");
    CHECK(entries[0].subject == owner.to_string());
    CHECK(entries[0].detail == "smtp: rejected with 550; message " + core::mail_key(id, clock.now()));
    CHECK(entries[0].detail.find('@') == std::string::npos);
}

TEST_CASE("max_attempts still caps the attempts when it is set", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::RelayOptions options;
    options.retry.max_attempts = 2;
    smtp::OutboxRelay relay(store, clock, transport, options);
    const auto queued_at = clock.now();
    const auto id = enqueue(store, clock, "body");
    CHECK(relay.deliver_due() == 1);
    clock.advance(5s);
    CHECK(relay.deliver_due() == 1);
    CHECK(queued(store, clock.now() + 48h).empty());
    CHECK(audit(store).at(0).detail == "smtp: gave up after 2 attempts; message " + core::mail_key(id, queued_at));
}

TEST_CASE("a message with an unusable address is abandoned - not retried", "[smtp]") {
    TempDir dir;
    testing::FixedClock clock;
    memory::MemoryStore store;
    smtp::DirectoryMailTransport transport(dir.path);
    smtp::OutboxRelay relay(store, clock, transport, {});
    enqueue(store, clock, "body", "someone@example.org\r\nBcc: victim@example.org");
    CHECK(relay.deliver_due() == 1);
    CHECK(eml_files(dir.path).empty());
    CHECK(queued(store, clock.now() + 48h).empty());
    CHECK(audit(store).at(0).event == "mail.abandoned");
}

TEST_CASE("a delivered message is removed - and audited by customer ulid only", "[smtp]") {
    TempDir dir;
    testing::FixedClock clock;
    memory::MemoryStore store;
    smtp::DirectoryMailTransport transport(dir.path);
    smtp::OutboxRelay relay(store, clock, transport, smtp::RelayOptions{.from = "Jambo <no-reply@jambo.test>"});
    const auto id = enqueue(store, clock, "the secret link http://x/api/customer/abc/delete/confirm");
    CHECK(relay.deliver_due() == 1);
    auto files = eml_files(dir.path);
    REQUIRE(files.size() == 1);
    auto mail = read(files[0]);
    CHECK(mail.find("/delete/confirm") != std::string::npos);
    // The Message-ID names the message as the audit log does, on the sender's domain.
    CHECK(mail.find("Message-ID: <" + core::mail_key(id, clock.now()) + "@jambo.test>\r\n") != std::string::npos);
    CHECK(queued(store, clock.now() + 48h).empty());
    auto entries = audit(store);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].event == "mail.delivered");
    CHECK(entries[0].subject == owner.to_string());
    CHECK(entries[0].detail == "file; message " + core::mail_key(id, clock.now()));
}

// Delivers by recording the recipient, and runs `during` inside the first delivery, as an
// erasure committed while the relay talks to a slow SMTP server would.
class RecordingTransport final : public smtp::MailTransport {
public:
    explicit RecordingTransport(std::function<void()> during) : during_(std::move(during)) {}
    std::string deliver(const smtp::MailMessage& message) override {
        sent.push_back(message.to);
        if (during_) std::exchange(during_, nullptr)();
        return "test";
    }
    [[nodiscard]] std::string_view kind() const override { return "smtp"; }
    std::vector<std::string> sent;

private:
    std::function<void()> during_;
};

TEST_CASE("mail queued for a customer erased during another delivery is never sent", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    enqueue(store, clock, "first", "first@example.org");
    const auto second = enqueue(store, clock, "second, with its link", "second@example.org");
    RecordingTransport transport([&] {
        auto tx = store.begin(core::TransactionMode::write);
        REQUIRE(tx->outbox().remove(second));  // what the erasure's cascade does
        tx->commit();
    });
    smtp::OutboxRelay relay(store, clock, transport, smtp::RelayOptions{.from = "Jambo <no-reply@jambo.test>"});
    CHECK(relay.deliver_due() == 1);
    CHECK(transport.sent == std::vector<std::string>{"first@example.org"});
}

TEST_CASE("mail dropped from the queue while it is being handed over is recorded as delivered too - it was",
          "[smtp]") {
    CapturedLog log;
    testing::FixedClock clock;
    memory::MemoryStore store;
    const auto id = enqueue(store, clock, "the link", "old.box@example.org");
    RecordingTransport transport([&] {
        // A change of the customer's address commits meanwhile: it drops the message.
        auto tx = store.begin(core::TransactionMode::write);
        REQUIRE(tx->outbox().remove(id));
        core::OutboxMessage dropped;
        dropped.id = id;
        dropped.created_at = clock.now();
        tx->audit().append(core::AuditEntry{0, clock.now(), "mail.abandoned", owner.to_string(),
                                            core::handled_mail_detail("address changed: its link stopped working", dropped)});
        tx->commit();
    });
    smtp::OutboxRelay relay(store, clock, transport, smtp::RelayOptions{.from = "Jambo <no-reply@jambo.test>"});
    CHECK(relay.deliver_due() == 1);
    CHECK(transport.sent == std::vector<std::string>{"old.box@example.org"});
    const auto entries = audit(store);
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].event == "mail.delivered");  // newest first: what happened last
    CHECK(entries[1].event == "mail.abandoned");
    CHECK(log.text().find("was handed over while it was being dropped from the queue") != std::string::npos);
}

// Refuses every write transaction while `full` is set, as a store on a full disk does.
class FullDiskStore final : public core::Store {
public:
    explicit FullDiskStore(core::Store& inner) : inner_(inner) {}
    [[nodiscard]] std::unique_ptr<core::Transaction> begin(core::TransactionMode mode) override {
        if (full && mode == core::TransactionMode::write) throw core::StoreUnavailable("database or disk is full");
        return inner_.begin(mode);
    }
    [[nodiscard]] bool healthy() override { return inner_.healthy(); }
    bool full = false;

private:
    core::Store& inner_;
};

TEST_CASE("a message sent while its removal cannot be written is recorded later - never sent again", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore memory;
    enqueue(memory, clock, "the link", "someone@example.org");
    FullDiskStore store(memory);
    RecordingTransport transport([&] { store.full = true; });  // the disk fills during the delivery
    smtp::OutboxRelay relay(store, clock, transport, smtp::RelayOptions{.from = "Jambo <no-reply@jambo.test>"});
    CHECK_THROWS_AS(relay.deliver_due(), core::StoreUnavailable);
    CHECK_THROWS_AS(relay.deliver_due(), core::StoreUnavailable);  // the relay's next rounds
    CHECK(transport.sent.size() == 1);
    CHECK(queued(memory, clock.now()).size() == 1);

    store.full = false;
    CHECK(relay.deliver_due() == 1);
    CHECK(transport.sent == std::vector<std::string>{"someone@example.org"});
    CHECK(queued(memory, clock.now() + 48h).empty());
    auto entries = audit(memory);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].event == "mail.delivered");
}

TEST_CASE("the relay thread wakes on notify instead of polling", "[smtp]") {
    TempDir dir;
    core::SystemClock clock;
    memory::MemoryStore store;
    smtp::DirectoryMailTransport transport(dir.path);
    smtp::OutboxRelay relay(store, clock, transport, {});
    relay.start();
    std::this_thread::sleep_for(50ms);
    enqueue(store, clock, "hello");
    relay.notify();
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (eml_files(dir.path).empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    CHECK(eml_files(dir.path).size() == 1);
    relay.stop();
}

TEST_CASE("stopping interrupts the delivery in hand - and leaves the message queued untouched", "[smtp]") {
    core::SystemClock clock;
    memory::MemoryStore store;
    StallingTransport transport;
    smtp::OutboxRelay relay(store, clock, transport, {});
    enqueue(store, clock, "hello");
    relay.start();
    REQUIRE(transport.wait_until_entered());
    auto started = std::chrono::steady_clock::now();
    relay.stop();
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    auto left = queued(store, clock.now() + 1s);
    REQUIRE(left.size() == 1);
    CHECK(left[0].attempts == 0);
    CHECK(audit(store).empty());
}

TEST_CASE("a relay refuses options that would make it spin - and runs only once", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    CHECK_THROWS_AS(smtp::OutboxRelay(store, clock, transport, smtp::RelayOptions{.batch = 0}), std::invalid_argument);
    CHECK_THROWS_AS(smtp::OutboxRelay(store, clock, transport, smtp::RelayOptions{.housekeeping_every = 0ms}),
                    std::invalid_argument);

    smtp::OutboxRelay relay(store, clock, transport, {});
    relay.start();
    CHECK_THROWS_AS(relay.start(), std::logic_error);
    relay.stop();
    CHECK_THROWS_AS(relay.start(), std::logic_error);
}

TEST_CASE("housekeeping purges expired deletion tokens after 30 days", "[smtp]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    const auto now = clock.now();
    auto token = [&](std::uint8_t tag, core::TimePoint expires_at) {
        core::TokenHash hash{};
        hash.fill(tag);
        return core::DeletionTokenRecord{hash, owner, "someone@example.org", expires_at - 10min, expires_at, false};
    };
    {
        auto tx = store.begin(core::TransactionMode::write);
        ensure_owner(*tx);
        tx->deletion_tokens().insert(token(1, now - 24h * 31));  // long gone
        tx->deletion_tokens().insert(token(2, now - 24h * 29));  // its link still says "expired"
        tx->deletion_tokens().insert(token(3, now - 30min));
        tx->deletion_tokens().insert(token(4, now + 10min));  // still valid
        tx->commit();
    }
    auto remaining = [&] {
        auto tx = store.begin(core::TransactionMode::read);
        std::vector<int> tags;
        for (std::uint8_t tag = 1; tag <= 4; ++tag) {
            core::TokenHash hash{};
            hash.fill(tag);
            if (tx->deletion_tokens().find(hash)) tags.push_back(tag);
        }
        return tags;
    };
    SECTION("by default") {
        smtp::OutboxRelay relay(store, clock, transport, {});
        relay.housekeeping();
        CHECK(remaining() == std::vector<int>{2, 3, 4});
    }
    SECTION("an embedder's shorter time, but an hour at least") {
        smtp::OutboxRelay relay(store, clock, transport, smtp::RelayOptions{.expired_links_kept = 10min});
        relay.housekeeping();
        CHECK(remaining() == std::vector<int>{3, 4});
    }
}

TEST_CASE("the directory transport writes one private .eml file per message", "[smtp]") {
    TempDir dir;
    smtp::DirectoryMailTransport transport(dir.path / "nested");
    smtp::MailMessage message{"f@x.test", "t@x.test", "s", "b", core::TimePoint{}, "id@x"};
    auto first = transport.deliver(message);
    auto second = transport.deliver(message);
    CHECK(first != second);
    CHECK(eml_files(dir.path / "nested").size() == 2);
    struct stat info {};
    REQUIRE(::stat(first.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir.path / "nested").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);  // made by the transport: the server user's alone

    std::filesystem::create_directory(dir.path / "shared");
    std::filesystem::permissions(dir.path / "shared", std::filesystem::perms(0750), std::filesystem::perm_options::replace);
    smtp::DirectoryMailTransport in_shared(dir.path / "shared");
    REQUIRE(::stat((dir.path / "shared").c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0750);  // an existing directory keeps its mode
    REQUIRE(::stat(in_shared.deliver(message).c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("housekeeping logs the queue's depth and oldest age - only while it is not empty", "[smtp]") {
    CapturedLog log;
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::OutboxRelay relay(store, clock, transport, {});
    relay.housekeeping();
    CHECK(log.text().find("mail outbox") == std::string::npos);
    enqueue(store, clock, "one");
    clock.advance(30s);
    enqueue(store, clock, "two");
    clock.advance(60s);
    relay.housekeeping();
    CHECK(log.text().find("mail outbox: 2 queued, oldest 90s old") != std::string::npos);
}

TEST_CASE("the relay thread does its housekeeping on schedule without being woken", "[smtp]") {
    CapturedLog log;
    core::SystemClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::RelayOptions options;
    options.retry.first = 1h;
    options.housekeeping_every = 100ms;
    enqueue(store, clock, "stuck");
    smtp::OutboxRelay relay(store, clock, transport, options);
    relay.start();
    auto deadline = std::chrono::steady_clock::now() + 5s;
    auto reports = [&] {
        auto text = log.text();
        std::size_t count = 0;
        for (auto at = text.find("mail outbox: 1 queued"); at != std::string::npos;
             at = text.find("mail outbox: 1 queued", at + 1)) {
            ++count;
        }
        return count;
    };
    while (reports() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    relay.stop();
    CHECK(reports() >= 3);
    CHECK(transport.calls == 1);  // the next attempt is an hour away: no polling of the transport
}
