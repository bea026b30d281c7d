#pragma once
// The Api of the HTTP fuzz target: an in-memory store with a staff account, two customers and
// a pending deletion link, made afresh for every input so a crash replays from its input alone.
// Inputs name the secrets by placeholders (@STAFF@, @CUSTOMER@, @ULID@, @OTHER@, @DELETION@),
// which the target replaces with the real ones: the fuzzer gets past authentication without
// having to guess 43 random characters.

#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/http/api.hpp>
#include <jambo/memory/memory_store.hpp>

#include "fakes.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jambo::fuzz {

inline core::Policy fuzz_policy() {
    core::Policy policy;
    policy.public_url = "http://jambo.test";
    policy.allowed_origins = {"http://jambo.test", "https://app.example"};
    return policy;
}

inline core::CustomerDraft draft_for(int n) {
    auto text = [](std::string value) { return core::RawField::text(std::move(value)); };
    auto digit = std::to_string(n);
    core::CustomerDraft draft;
    draft.first_name = text("Cynthia");
    draft.last_name = text("Norris");
    draft.middle_name = text("Alexander");
    draft.nationality = text("Lesotho");
    draft.dob = text("1912-09-06");
    draft.email = text("customer" + digit + "@example.org");
    draft.phone_number = text("070000000" + digit);
    return draft;
}

[[noreturn]] inline void fail(const char* what) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
}

inline void check(bool condition, const char* what) {
    if (!condition) fail(what);
}

struct World {
    testing::FixedClock clock;
    testing::SequenceRandom random;
    testing::FakeHasher hasher;
    core::UlidGenerator ulids{clock, random};
    memory::MemoryStore store;
    core::Policy policy = fuzz_policy();
    core::CustomerService customers{store, clock, random, hasher, ulids, policy};
    core::ErasureService erasure{store, clock, random, hasher, policy};
    core::AdminService admin{store, clock, random, hasher, ulids};
    http::Api api;

    std::string staff_token;
    std::string customer_token;
    std::string customer_ulid;
    std::string other_ulid;
    std::string deletion_token;

    explicit World(http::ConfirmOnGet confirm_on_get = http::ConfirmOnGet::api)
        : api(http::ApiServices{customers, erasure, store, policy}, http::ApiOptions{confirm_on_get}) {
        auto staff = admin.add_staff("staff@jambo.test", "Staff");
        auto first = customers.register_customer(draft_for(1));
        auto second = customers.register_customer(draft_for(2));
        check(staff && first && second, "world set-up");
        staff_token = *staff;
        customer_token = first->token;
        customer_ulid = first->customer.ulid.to_string();
        other_ulid = second->customer.ulid.to_string();
        auto authorization = "Bearer " + second->token;
        auto requested = erasure.request_deletion(core::Credentials{authorization}, other_ulid, std::nullopt);
        check(requested.has_value(), "deletion request in set-up");
        auto tx = store.begin(core::TransactionMode::read);
        auto due = tx->outbox().due(clock.now() + std::chrono::hours(24), 10);
        check(!due.empty(), "set-up mail");
        const auto& body = due.back().body;
        auto end = body.find("/delete/confirm");
        auto start = body.rfind('/', end - 1) + 1;
        deletion_token = body.substr(start, end - start);
    }

    [[nodiscard]] std::array<std::pair<std::string_view, std::string_view>, 5> placeholders() const {
        return {{{"@STAFF@", staff_token},
                 {"@CUSTOMER@", customer_token},
                 {"@ULID@", customer_ulid},
                 {"@OTHER@", other_ulid},
                 {"@DELETION@", deletion_token}}};
    }

    [[nodiscard]] std::string expand(std::string_view input) const {
        std::string out(input);
        for (const auto& [name, value] : placeholders()) {
            for (auto at = out.find(name); at != std::string::npos; at = out.find(name, at + value.size())) {
                out.replace(at, name.size(), value);
            }
        }
        return out;
    }

    /// The secrets that must never reach a log line.
    [[nodiscard]] std::array<std::string_view, 3> secrets() const {
        return {staff_token, customer_token, deletion_token};
    }
};

}  // namespace jambo::fuzz
