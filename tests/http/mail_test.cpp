#include <jambo/memory/memory_store.hpp>
#include <jambo/smtp/directory_transport.hpp>
#include <jambo/smtp/outbox_relay.hpp>

#include "fakes.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace jambo;

namespace {

struct TempDir {
    TempDir() {
        path = std::filesystem::temp_directory_path() /
               ("jambo-mail-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
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

std::int64_t enqueue(core::Store& store, const core::Clock& clock, const std::string& body) {
    auto tx = store.begin(core::TransactionMode::write);
    // Queued mail belongs to a customer that exists, as the stores' foreign keys insist.
    const auto owner = *core::Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKPBS");
    if (!tx->customers().find(owner)) {
        core::Customer customer;
        customer.ulid = owner;
        customer.first_name = "Mail";
        customer.last_name = "Owner";
        customer.nationality = "KE";
        customer.dob = std::chrono::year_month_day{std::chrono::year{1990}, std::chrono::January, std::chrono::day{1}};
        customer.email = "someone@example.org";
        customer.phone_number = "254700000001";
        REQUIRE(tx->customers().insert(customer));
    }
    core::OutboxMessage message;
    message.customer = owner;
    message.recipient = "someone@example.org";
    message.subject = "Confirm the deletion of your data";
    message.body = body;
    message.created_at = clock.now();
    message.next_attempt_at = clock.now();
    auto id = tx->outbox().enqueue(message);
    tx->commit();
    return id;
}

class FailingTransport final : public smtp::MailTransport {
public:
    std::string deliver(const smtp::MailMessage&) override { throw smtp::DeliveryError("connection refused", false); }
    [[nodiscard]] std::string_view kind() const override { return "smtp"; }
};

}  // namespace

TEST_CASE("a message is formatted with RFC 5322 headers and CRLF line ends", "[http]") {
    smtp::MailMessage message{"Jambo <no-reply@jambo.test>", "a@example.org", "Löschung bestätigen",
                              "line one\nline two", core::TimePoint{std::chrono::milliseconds(0)}, "x.1@jambo.test"};
    auto text = smtp::format_message(message);
    CHECK(text.starts_with("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nFrom: Jambo <no-reply@jambo.test>\r\n"
                           "To: a@example.org\r\nSubject: =?UTF-8?B?"));
    CHECK(text.find("Message-ID: <x.1@jambo.test>\r\n") != std::string::npos);
    CHECK(text.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    CHECK(text.ends_with("\r\n\r\nline one\r\nline two\r\n"));
    message.to = "a@example.org\r\nBcc: victim@example.org";
    CHECK(smtp::format_message(message).find("\r\nBcc:") == std::string::npos);
}

TEST_CASE("the directory transport writes one private .eml file per message", "[http]") {
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
}

TEST_CASE("the relay delivers due mail - removes it and audits without personal data", "[http]") {
    TempDir dir;
    testing::FixedClock clock;
    memory::MemoryStore store;
    smtp::DirectoryMailTransport transport(dir.path);
    smtp::OutboxRelay relay(store, clock, transport, {});
    enqueue(store, clock, "the secret link http://x/api/customer/abc/delete/confirm");
    CHECK(relay.deliver_due() == 1);
    auto files = eml_files(dir.path);
    REQUIRE(files.size() == 1);
    CHECK(read(files[0]).find("/delete/confirm") != std::string::npos);
    auto tx = store.begin(core::TransactionMode::read);
    CHECK(tx->outbox().depth() == 0);
    auto audit = tx->audit().latest(10);
    REQUIRE(audit.size() == 1);
    CHECK(audit[0].event == "mail.delivered");
    CHECK(audit[0].subject == "01HWJ8WH9X8WBK65EMGY9YKPBS");
    CHECK(audit[0].detail == "file");
}

TEST_CASE("a failed delivery is retried later with backoff - then given up", "[http]") {
    testing::FixedClock clock;
    memory::MemoryStore store;
    FailingTransport transport;
    smtp::RelayOptions options;
    options.max_attempts = 2;
    smtp::OutboxRelay relay(store, clock, transport, options);
    enqueue(store, clock, "body");
    CHECK(relay.deliver_due() == 1);
    {
        auto tx = store.begin(core::TransactionMode::read);
        REQUIRE(tx->outbox().depth() == 1);
        CHECK(tx->outbox().next_due() == clock.now() + std::chrono::seconds(30));
    }
    CHECK(relay.deliver_due() == 0);
    clock.advance(std::chrono::seconds(30));
    CHECK(relay.deliver_due() == 1);
    auto tx = store.begin(core::TransactionMode::read);
    CHECK(tx->outbox().depth() == 0);
    CHECK(tx->audit().latest(1).at(0).event == "mail.abandoned");
}

TEST_CASE("the relay thread wakes on notify instead of polling", "[http]") {
    TempDir dir;
    core::SystemClock clock;
    memory::MemoryStore store;
    smtp::DirectoryMailTransport transport(dir.path);
    smtp::OutboxRelay relay(store, clock, transport, {});
    relay.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    enqueue(store, clock, "hello");
    relay.notify();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (eml_files(dir.path).empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(eml_files(dir.path).size() == 1);
    relay.stop();
}
