#pragma once
/// Helpers shared by the unit tests: a wired-up core on the in-memory store, drafts, callers.

#include "fakes.hpp"

#include <jambo/core/customer.hpp>
#include <jambo/core/error.hpp>
#include <jambo/core/policy.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/services/authenticator.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/core/ulid.hpp>
#include <jambo/memory/memory_store.hpp>
#include <jambo/sodium/sodium.hpp>

#define CATCH_CONFIG_ENABLE_OPTIONAL_STRINGMAKER
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

CATCH_REGISTER_ENUM(jambo::core::ErrorKind, jambo::core::ErrorKind::validation,
                    jambo::core::ErrorKind::bad_request, jambo::core::ErrorKind::unauthenticated,
                    jambo::core::ErrorKind::forbidden, jambo::core::ErrorKind::not_found,
                    jambo::core::ErrorKind::gone, jambo::core::ErrorKind::rate_limited,
                    jambo::core::ErrorKind::unavailable)
CATCH_REGISTER_ENUM(jambo::core::Role, jambo::core::Role::customer, jambo::core::Role::staff)

namespace jambo::unit {

using namespace std::chrono_literals;
namespace core = jambo::core;
namespace messages = jambo::core::messages;

inline std::string describe(const core::Error& error) {
    std::ostringstream out;
    out << "error kind " << static_cast<int>(error.kind) << " message \"" << error.message << '"';
    for (const auto& [field, list] : error.fields) {
        out << " [" << field << ':';
        for (const auto& m : list) out << " \"" << m << '"';
        out << ']';
    }
    if (error.retry_after.count() != 0) out << " retry_after " << error.retry_after.count();
    return out.str();
}

template <typename T>
std::string describe(const core::Result<T>& result) {
    return result ? std::string{"a value"} : describe(result.error());
}

/// The messages a validation failure gave one field; empty if it succeeded or the field is fine.
template <typename T>
std::vector<std::string> field_errors(const core::Result<T>& result, const std::string& field) {
    if (result || result.error().kind != core::ErrorKind::validation) return {};
    auto it = result.error().fields.find(field);
    return it == result.error().fields.end() ? std::vector<std::string>{} : it->second;
}

/// The kind of refusal, or nullopt when the use case succeeded.
template <typename T>
std::optional<core::ErrorKind> error_kind(const core::Result<T>& result) {
    if (result) return std::nullopt;
    return result.error().kind;
}

/// The refusal's message, or "<success>" when the use case succeeded.
template <typename T>
std::string error_message(const core::Result<T>& result) {
    return result ? std::string{"<success>"} : result.error().message;
}

inline std::vector<std::string> one(const char* message) { return {std::string{message}}; }

inline core::RawField text(std::string value) { return core::RawField::text(std::move(value)); }

/// A valid draft; `n` makes email and phone number unique.
inline core::CustomerDraft draft(int n = 0) {
    char phone[32];
    std::snprintf(phone, sizeof phone, "2547%08d", n);
    core::CustomerDraft d;
    d.first_name = text("Cynthia");
    d.last_name = text("Norris");
    d.middle_name = text("Alexander");
    d.nationality = text("LS");
    d.dob = text("1912-09-06");
    d.email = text("aaron" + std::to_string(n) + "@example.org");
    d.phone_number = text(phone);
    return d;
}

inline core::Credentials bearer(const std::string& token) { return core::Credentials{"Bearer " + token}; }
inline core::Credentials header(const std::string& value) { return core::Credentials{value}; }
inline core::Credentials nobody() { return core::Credentials{}; }

/// A well-formed bearer token that was never issued.
inline std::string unknown_bearer_token() { return "jmb_" + std::string(42, 'A') + "A"; }
/// A well-formed deletion token that was never issued.
inline std::string unknown_deletion_token() { return std::string(43, 'Q').substr(0, 42) + "A"; }

inline const core::Policy& test_policy() {
    static const core::Policy policy = [] {
        core::Policy p;
        p.public_url = "http://localhost:8000";
        p.allowed_origins = {"http://localhost:8000", "https://app.example"};
        return p;
    }();
    return policy;
}

/// The core on the in-memory store, with a clock the test moves. Randomness comes from
/// libsodium so that tokens never repeat however many customers a test makes.
struct World {
    World() = default;
    /// A world whose services were given `changed` (the services keep a copy of their policy).
    explicit World(core::Policy changed) : policy(std::move(changed)) {}

    testing::FixedClock clock;
    sodium::SodiumRandom random;
    testing::FakeHasher hasher;
    memory::MemoryStore store;
    core::Policy policy = test_policy();
    core::UlidGenerator ulids{clock, random};
    core::CustomerService customers{store, clock, random, hasher, ulids, policy};
    core::ErasureService erasure{store, clock, random, hasher, policy};
    core::AdminService admin{store, clock, random, hasher, ulids};

    core::Registration add_customer(int n = 0) {
        auto r = customers.register_customer(draft(n));
        INFO(describe(r));
        REQUIRE(r.has_value());
        return *r;
    }

    std::string add_staff(const std::string& email = "boss@jambo.example") {
        auto r = admin.add_staff(email, "Boss");
        INFO(describe(r));
        REQUIRE(r.has_value());
        return *r;
    }

    core::Result<core::Principal> authenticate(const core::Credentials& caller) {
        auto tx = store.begin(core::TransactionMode::read);
        return core::Authenticator{hasher}.authenticate(*tx, caller);
    }

    std::optional<core::Customer> stored(const core::Ulid& ulid) {
        auto tx = store.begin(core::TransactionMode::read);
        return tx->customers().find(ulid);
    }

    std::uint64_t customer_count() {
        auto tx = store.begin(core::TransactionMode::read);
        return tx->customers().count();
    }

    std::vector<core::OutboxMessage> outbox() {
        auto tx = store.begin(core::TransactionMode::read);
        return tx->outbox().due(clock.now() + std::chrono::hours{24 * 3650}, 10'000);
    }

    std::vector<core::AuditEntry> audit() {
        auto tx = store.begin(core::TransactionMode::read);
        return tx->audit().latest(1000);
    }

    /// Requests a deletion link for a customer and returns the token from the queued mail.
    std::string deletion_link_token(const core::Registration& who) {
        auto r = erasure.request_deletion(bearer(who.token), who.customer.ulid.to_string(), std::nullopt);
        INFO(describe(r));
        REQUIRE(r.has_value());
        return latest_link_token(who.customer.ulid);
    }

    /// The token in the newest mail queued for this customer.
    std::string latest_link_token(const core::Ulid& customer) {
        std::optional<core::OutboxMessage> newest;
        for (auto& mail : outbox()) {
            if (mail.customer == customer && (!newest || mail.id > newest->id)) newest = mail;
        }
        REQUIRE(newest.has_value());
        static const std::regex link{R"(/api/customer/([A-Za-z0-9_-]{43})/delete/confirm)"};
        std::smatch m;
        const std::string body = newest->body;
        REQUIRE(std::regex_search(body, m, link));
        return m[1].str();
    }
};

// A store that cannot serve: StoreUnavailable (disk full) or any other failure (corruption).
class FailingStore final : public core::Store {
public:
    explicit FailingStore(bool unavailable) : unavailable_(unavailable) {}
    std::unique_ptr<core::Transaction> begin(core::TransactionMode) override {
        if (unavailable_) throw core::StoreUnavailable("database or disk is full");
        throw std::runtime_error("database disk image is malformed");
    }
    bool healthy() override { return false; }

private:
    bool unavailable_;
};

}  // namespace jambo::unit
