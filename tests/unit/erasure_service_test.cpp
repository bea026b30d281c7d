#include "unit_support.hpp"

#include <jambo/core/mail_record.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <latch>
#include <stdexcept>
#include <thread>

using namespace jambo::core;
using namespace jambo::unit;

namespace {

Result<void> request(World& w, const Registration& who, std::optional<RawField> origin) {
    return w.erasure.request_deletion(bearer(who.token), who.customer.ulid.to_string(), origin);
}

Result<void> request(World& w, const Registration& who, const std::string& origin) {
    return request(w, who, RawField::text(origin));
}

Result<void> request(World& w, const Registration& who) { return request(w, who, std::nullopt); }

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t mails_for(World& w, const Registration& who) {
    std::size_t n = 0;
    for (const auto& m : w.outbox()) n += m.customer == who.customer.ulid ? 1U : 0U;
    return n;
}

}  // namespace

// ---- request

TEST_CASE("a deletion request queues a mail to the customer's address", "[core][erasure][request]") {
    World w;
    const auto me = w.add_customer();
    auto r = request(w, me);
    INFO(describe(r));
    REQUIRE(r.has_value());
    const auto mails = w.outbox();
    REQUIRE(mails.size() == 1);
    CHECK(mails[0].recipient == me.customer.email);
    CHECK(mails[0].customer == me.customer.ulid);
    CHECK_FALSE(mails[0].subject.empty());
}

TEST_CASE("without an origin the link is built on the public URL", "[core][erasure][request]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    CHECK(is_well_formed_deletion_token(token));
    CHECK(contains(w.outbox()[0].body, "http://localhost:8000/api/customer/" + token + "/delete/confirm"));
}

TEST_CASE("an embedder's policy may be a temporary in any spelling - links come out normalised",
          "[core][erasure][request][origin]") {
    World w;
    auto build = [&] {
        Policy policy = test_policy();
        policy.public_url = "https://jambo.example/";
        policy.allowed_origins = {"HTTPS://App.Example/"};
        return ErasureService(w.store, w.clock, w.random, w.hasher, policy);
    };
    auto erasure = build();  // the Policy it was given is gone
    const auto me = w.add_customer();
    const auto ulid = me.customer.ulid.to_string();
    REQUIRE(erasure.request_deletion(bearer(me.token), ulid, std::nullopt).has_value());
    CHECK(contains(w.outbox()[0].body, "\nhttps://jambo.example/api/customer/"));
    REQUIRE(erasure.request_deletion(bearer(me.token), ulid, RawField::text("https://app.example")).has_value());
    CHECK(contains(w.outbox()[1].body, "\nhttps://app.example/api/customer/"));
}

TEST_CASE("an allowed origin becomes the link's base", "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(request(w, me, "https://app.example").has_value());
    const auto token = w.latest_link_token(me.customer.ulid);
    CHECK(contains(w.outbox()[0].body, "https://app.example/api/customer/" + token + "/delete/confirm"));
}

TEST_CASE("an allowed origin is matched and used normalised", "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    auto r = request(w, me, "HTTPS://App.Example/");
    INFO(describe(r));
    REQUIRE(r.has_value());
    const auto token = w.latest_link_token(me.customer.ulid);
    CHECK(contains(w.outbox()[0].body, "https://app.example/api/customer/" + token + "/delete/confirm"));
}

TEST_CASE("an origin is trimmed like any text field - a blank one is no origin",
          "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(request(w, me, " https://app.example\t").has_value());
    CHECK(contains(w.outbox()[0].body, "\nhttps://app.example/api/customer/"));
    REQUIRE(request(w, me, "   ").has_value());
    CHECK(contains(w.outbox()[1].body, "\nhttp://localhost:8000/api/customer/"));
    CHECK(error_message(request(w, me, " https://evil.example ")) == messages::origin_not_allowed);
}

TEST_CASE("an origin that is not UTF-8 is a field error of origin - and nothing is mailed",
          "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    auto r = request(w, me, std::string("https://app.example\xff"));
    REQUIRE(error_kind(r) == ErrorKind::validation);
    CHECK(r.error().fields == FieldErrors{{"origin", {messages::invalid_utf8}}});
    CHECK(w.outbox().empty());
}

TEST_CASE("a null origin or one that is not a string is a field error of origin - and nothing is mailed",
          "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    auto null_origin = request(w, me, RawField::null());
    REQUIRE(error_kind(null_origin) == ErrorKind::validation);
    CHECK(null_origin.error().fields == FieldErrors{{"origin", {messages::null}}});
    auto number = request(w, me, RawField::not_text());
    REQUIRE(error_kind(number) == ErrorKind::validation);
    CHECK(number.error().fields == FieldErrors{{"origin", {messages::not_a_string}}});
    CHECK(w.outbox().empty());
}

TEST_CASE("an origin not on the allow-list is refused and nothing is mailed",
          "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    auto r = request(w, me, "https://evil.example");
    CHECK(error_kind(r) == ErrorKind::bad_request);
    CHECK(error_message(r) == messages::origin_not_allowed);
    CHECK(w.outbox().empty());
}

TEST_CASE("an allowed host with a path or another scheme is not an allowed origin",
          "[core][erasure][request][origin]") {
    World w;
    const auto me = w.add_customer();
    for (const char* bad : {"https://app.example/phish", "http://app.example",
                            "https://app.example.evil.example", "javascript:alert(1)"}) {
        INFO(bad);
        CHECK(error_message(request(w, me, bad)) == messages::origin_not_allowed);
    }
    CHECK(w.outbox().empty());
}

TEST_CASE("with no allow-list configured only the public URL is allowed",
          "[core][erasure][request][origin]") {
    auto policy = test_policy();
    policy.allowed_origins.clear();
    World w(policy);
    const auto me = w.add_customer();
    CHECK(request(w, me, "http://localhost:8000").has_value());
    CHECK(error_message(request(w, me, "https://app.example")) == messages::origin_not_allowed);
}

TEST_CASE("with no allow-list and a public URL with a path its origin is allowed - the link keeps the path",
          "[core][erasure][request][origin]") {
    auto policy = test_policy();
    policy.allowed_origins.clear();
    policy.public_url = "https://x.example/jambo/";
    World w(policy);
    const auto me = w.add_customer();
    REQUIRE(request(w, me, "HTTPS://x.example/").has_value());
    const auto token = w.latest_link_token(me.customer.ulid);
    CHECK(contains(w.outbox()[0].body, "\nhttps://x.example/jambo/api/customer/" + token + "/delete/confirm"));
    for (const char* bad : {"https://x.example/jambo", "http://x.example", "https://x.example:8443"}) {
        INFO(bad);
        CHECK(error_message(request(w, me, bad)) == messages::origin_not_allowed);
    }
}

TEST_CASE("an allow-list naming the public URL's origin links to the public URL too - path included",
          "[core][erasure][request][origin]") {
    auto policy = test_policy();
    policy.public_url = "https://x.example/jambo";
    policy.allowed_origins = {"https://x.example", "https://app.example"};
    World w(policy);
    const auto me = w.add_customer();
    REQUIRE(request(w, me, "https://x.example").has_value());
    CHECK(contains(w.outbox()[0].body, "\nhttps://x.example/jambo/api/customer/"));
    w.clock.advance(std::chrono::minutes{1});
    REQUIRE(request(w, me, "https://app.example").has_value());
    CHECK(contains(w.outbox()[1].body, "\nhttps://app.example/api/customer/"));
}

TEST_CASE("a deletion request without a token is Customer Not Found or is Invalid",
          "[core][erasure][request][auth]") {
    World w;
    const auto me = w.add_customer();
    auto r = w.erasure.request_deletion(nobody(), me.customer.ulid.to_string(), std::nullopt);
    CHECK(error_kind(r) == ErrorKind::bad_request);
    CHECK(error_message(r) == messages::customer_invalid);
}

TEST_CASE("a deletion request with a bad, unknown or revoked token is Customer Not Found or is Invalid",
          "[core][erasure][request][auth]") {
    World w;
    const auto me = w.add_customer(1);
    const auto revoked = w.add_customer(2);
    REQUIRE(w.admin.revoke_token(revoked.token).has_value());
    const auto ulid = me.customer.ulid.to_string();
    for (const auto& token : {std::string{"garbage"}, unknown_bearer_token(), revoked.token}) {
        INFO(token);
        auto r = w.erasure.request_deletion(bearer(token), ulid, std::nullopt);
        CHECK(error_kind(r) == ErrorKind::bad_request);
        CHECK(error_message(r) == messages::customer_invalid);
    }
    CHECK(w.outbox().empty());
}

TEST_CASE("staff cannot request a customer's deletion", "[core][erasure][request][auth]") {
    World w;
    const auto staff = w.add_staff();
    const auto me = w.add_customer();
    auto r = w.erasure.request_deletion(bearer(staff), me.customer.ulid.to_string(), std::nullopt);
    CHECK(error_kind(r) == ErrorKind::forbidden);
    CHECK(w.outbox().empty());
}

TEST_CASE("a customer cannot request another customer's deletion", "[core][erasure][request][auth]") {
    World w;
    const auto me = w.add_customer(1);
    const auto other = w.add_customer(2);
    auto r = w.erasure.request_deletion(bearer(me.token), other.customer.ulid.to_string(), std::nullopt);
    CHECK(error_kind(r) == ErrorKind::forbidden);
    CHECK(w.outbox().empty());
}

TEST_CASE("authorizing a deletion request judges the token as the request would, and queues nothing",
          "[core][erasure][request][auth]") {
    World w;
    const auto staff = w.add_staff();
    const auto me = w.add_customer(1);
    const auto other = w.add_customer(2);
    const auto mine = me.customer.ulid.to_string();
    CHECK(w.erasure.authorize_deletion_request(bearer(me.token), mine).has_value());
    CHECK(error_message(w.erasure.authorize_deletion_request(nobody(), mine)) == messages::customer_invalid);
    CHECK(error_message(w.erasure.authorize_deletion_request(bearer(unknown_bearer_token()), mine)) ==
          messages::customer_invalid);
    CHECK(error_kind(w.erasure.authorize_deletion_request(bearer(other.token), mine)) == ErrorKind::forbidden);
    CHECK(error_kind(w.erasure.authorize_deletion_request(bearer(staff), mine)) == ErrorKind::forbidden);
    CHECK(w.outbox().empty());
}

TEST_CASE(
    "a deletion link is stored only as a hash, bound to the customer and address, expiring after the TTL",
    "[core][erasure][request]") {
    World w;
    const auto me = w.add_customer();
    const auto issued_at = w.clock.now();
    const auto token = w.deletion_link_token(me);
    auto tx = w.store.begin(TransactionMode::read);
    auto record = tx->deletion_tokens().find(w.hasher.hash(token));
    REQUIRE(record.has_value());
    CHECK(record->customer == me.customer.ulid);
    // Bound to the address by a digest of the link's token and the address, never the address.
    CHECK(record->email_digest == w.hasher.hash(token + "\n" + me.customer.email_key()));
    CHECK(record->email_digest != w.hasher.hash(me.customer.email_key()));
    CHECK(record->expires_at == issued_at + std::chrono::hours{1});
    CHECK_FALSE(record->used);
}

TEST_CASE("the relay is told when a deletion mail is queued, and only then", "[core][erasure][request]") {
    World w;
    int notified = 0;
    w.erasure.on_mail_queued([&] { ++notified; });
    const auto me = w.add_customer();
    (void)request(w, me, "https://evil.example");
    CHECK(notified == 0);
    REQUIRE(request(w, me).has_value());
    CHECK(notified == 1);
}

TEST_CASE("a wake-up that throws does not turn a committed deletion request into an error",
          "[core][erasure][request]") {
    World w;
    w.erasure.on_mail_queued([] { throw std::runtime_error("relay gone"); });
    const auto me = w.add_customer();
    CHECK(request(w, me).has_value());
    CHECK(w.outbox().size() == 1);
}

TEST_CASE("the deletion mail carries the link", "[core][erasure][mail]") {
    const std::string link =
        "https://app.example/api/customer/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8/delete/confirm";
    const auto mail = compose_deletion_mail(link, std::chrono::hours{1});
    CHECK_FALSE(mail.subject.empty());
    CHECK(contains(mail.body, link));
}

TEST_CASE("the deletion mail carries nothing the registrant wrote", "[core][erasure][mail]") {
    // Anyone can register a victim's address: a name is the only free text they control.
    World w;
    auto d = draft(1);
    d.first_name = text("Sign in at https://evil.example/keep now");
    d.last_name = text("Evil");
    d.middle_name = text("Phisher");
    auto registered = w.customers.register_customer(d);
    REQUIRE(registered.has_value());
    REQUIRE(request(w, *registered).has_value());
    REQUIRE(w.outbox().size() == 1);
    const auto body = w.outbox()[0].body;
    CHECK(body.starts_with("Hello,\n"));
    // RFC 5322 2.1.1: lines SHOULD be at most 78 characters; only the link may be longer.
    for (std::size_t start = 0; start < body.size();) {
        const auto end = std::min(body.find('\n', start), body.size());
        const auto line = body.substr(start, end - start);
        if (!line.starts_with("http")) CHECK(line.size() <= 78);
        start = end + 1;
    }
    CHECK_FALSE(contains(body, "evil.example"));
    CHECK_FALSE(contains(body, "Evil"));
    CHECK_FALSE(contains(body, "Phisher"));
}

// ---- rate limit

TEST_CASE("three deletion requests in an hour are accepted", "[core][erasure][rate]") {
    World w;
    const auto me = w.add_customer();
    for (int i = 0; i < 3; ++i) {
        CHECK(request(w, me).has_value());
        w.clock.advance(10min);
    }
    CHECK(mails_for(w, me) == 3);
}

TEST_CASE("the fourth request within an hour is refused until the oldest is an hour old",
          "[core][erasure][rate]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(request(w, me).has_value());  // t0
    w.clock.advance(10min);
    REQUIRE(request(w, me).has_value());
    w.clock.advance(10min);
    REQUIRE(request(w, me).has_value());
    w.clock.advance(10min);  // t0 + 30 min
    auto r = request(w, me);
    REQUIRE(error_kind(r) == ErrorKind::rate_limited);
    CHECK(r.error().retry_after == std::chrono::seconds{30 * 60});
}

TEST_CASE("a rate-limited request queues no mail and makes no link", "[core][erasure][rate]") {
    World w;
    const auto me = w.add_customer();
    for (int i = 0; i < 3; ++i) REQUIRE(request(w, me).has_value());
    REQUIRE(error_kind(request(w, me)) == ErrorKind::rate_limited);
    CHECK(mails_for(w, me) == 3);
    auto tx = w.store.begin(TransactionMode::read);
    CHECK(
        tx->deletion_tokens().issued_since(me.customer.ulid, w.clock.now() - std::chrono::hours{1}).size() ==
        3);
}

TEST_CASE("the rate-limit window slides: a request is accepted once the oldest is over an hour old",
          "[core][erasure][rate]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(request(w, me).has_value());  // t0
    w.clock.advance(10min);
    REQUIRE(request(w, me).has_value());  // t0 + 10 min
    w.clock.advance(10min);
    REQUIRE(request(w, me).has_value());  // t0 + 20 min
    w.clock.advance(40min - 1s);          // t0 + 59:59
    auto early = request(w, me);
    REQUIRE(error_kind(early) == ErrorKind::rate_limited);
    CHECK(early.error().retry_after == 1s);
    w.clock.advance(2s);  // t0 + 60:01
    CHECK(request(w, me).has_value());
    auto again = request(w, me);
    REQUIRE(error_kind(again) == ErrorKind::rate_limited);
    CHECK(again.error().retry_after == std::chrono::seconds{10 * 60 - 1});
}

TEST_CASE("refused deletion requests do not count towards the limit", "[core][erasure][rate]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(request(w, me).has_value());  // t0
    w.clock.advance(10min);
    REQUIRE(request(w, me).has_value());  // t0 + 10 min
    w.clock.advance(10min);
    REQUIRE(request(w, me).has_value());  // t0 + 20 min
    w.clock.advance(30min);               // t0 + 50 min: refused several times
    for (int i = 0; i < 5; ++i) REQUIRE(error_kind(request(w, me)) == ErrorKind::rate_limited);
    for (int i = 0; i < 3; ++i)
        REQUIRE(error_kind(request(w, me, "https://evil.example")) == ErrorKind::bad_request);
    w.clock.advance(10min + 1s);  // t0 + 60:01: only the first accepted request has left the window
    CHECK(request(w, me).has_value());
}

TEST_CASE("the hourly limit is per customer", "[core][erasure][rate]") {
    World w;
    const auto me = w.add_customer(1);
    const auto other = w.add_customer(2);
    for (int i = 0; i < 3; ++i) REQUIRE(request(w, me).has_value());
    REQUIRE(error_kind(request(w, me)) == ErrorKind::rate_limited);
    CHECK(request(w, other).has_value());
}

// The limit per address is the operator's choice (the contract has none): the tests below
// hold an address to the same three mails as a record.
Policy three_per_address() {
    auto policy = test_policy();
    policy.deletion_mails_per_address_per_hour = 3;
    return policy;
}

TEST_CASE("the hourly limit follows an address from record to record", "[core][erasure][rate]") {
    // Addresses are not verified at registration: one person's address put on record after
    // record must not open three more mails into that mailbox each time.
    World w(three_per_address());
    const auto first = w.add_customer(1);
    const std::string address = first.customer.email;
    REQUIRE(request(w, first).has_value());  // t0
    w.clock.advance(10min);
    REQUIRE(request(w, first).has_value());
    w.clock.advance(10min);
    REQUIRE(request(w, first).has_value());
    CustomerDraft move_off;
    move_off.email = text("elsewhere@example.org");
    REQUIRE(w.customers.update_self(bearer(first.token), move_off, DraftMode::partial).has_value());

    auto second_draft = draft(2);
    second_draft.email = text(address);
    auto second = w.customers.register_customer(second_draft);
    REQUIRE(second.has_value());
    w.clock.advance(5min);  // t0 + 25 min
    auto refused = request(w, *second);
    REQUIRE(error_kind(refused) == ErrorKind::rate_limited);
    CHECK(refused.error().retry_after == std::chrono::seconds{35 * 60});
    CHECK(mails_for(w, *second) == 0);
    // The first record is still at its own three, at its new address too.
    CHECK(error_kind(request(w, first)) == ErrorKind::rate_limited);

    w.clock.advance(35min);  // t0 + 60 min: the oldest has left the window
    CHECK(request(w, *second).has_value());
    CHECK(error_kind(request(w, *second)) == ErrorKind::rate_limited);
}

TEST_CASE("the address limit outlives the record - deleting it and registering again does not reset it",
          "[core][erasure][rate]") {
    World w(three_per_address());
    const auto first = w.add_customer(1);
    for (int i = 0; i < 3; ++i) REQUIRE(request(w, first).has_value());
    REQUIRE(w.customers.remove(bearer(first.token), first.customer.ulid.to_string()).has_value());
    auto again = draft(2);
    again.email = text(first.customer.email);
    auto second = w.customers.register_customer(again);
    REQUIRE(second.has_value());
    CHECK(error_kind(request(w, *second)) == ErrorKind::rate_limited);

    // The count per address lives in the service (never on disk): a new one, as after a
    // restart, starts it again; the count per record, in the store, does not.
    ErasureService restarted{w.store, w.clock, w.random, w.hasher, w.policy};
    CHECK(restarted.request_deletion(bearer(second->token), second->customer.ulid.to_string(), std::nullopt)
              .has_value());
}

TEST_CASE("the address limit counts an address in capitals as the same address", "[core][erasure][rate]") {
    World w(three_per_address());
    const auto first = w.add_customer(1);
    for (int i = 0; i < 3; ++i) REQUIRE(request(w, first).has_value());
    CustomerDraft move_off;
    move_off.email = text("elsewhere@example.org");
    REQUIRE(w.customers.update_self(bearer(first.token), move_off, DraftMode::partial).has_value());
    // The same mailbox spelled in capitals is the same address (emails are unique case-insensitively).
    auto second_draft = draft(2);
    std::string shouted = first.customer.email;
    std::ranges::transform(shouted, shouted.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    second_draft.email = text(shouted);
    auto second = w.customers.register_customer(second_draft);
    REQUIRE(second.has_value());
    CHECK(error_kind(request(w, *second)) == ErrorKind::rate_limited);
    // Another address is not held back by it.
    const auto third = w.add_customer(3);
    CHECK(request(w, third).has_value());
}

TEST_CASE("the address limit counts one mailbox once - +tags and Gmail's dots are the same mailbox",
          "[core][erasure][rate]") {
    // victim+1@, victim+2@ ... reach victim@ at most providers: counted apart, the limit would
    // be a formality (outside security review).
    const auto register_at = [](World& w, int n, const std::string& email) {
        auto d = draft(n);
        d.email = text(email);
        auto registration = w.customers.register_customer(d);
        REQUIRE(registration.has_value());
        return *registration;
    };
    {
        World w(three_per_address());
        int n = 1;
        for (const char* email : {"victim+1@example.org", "victim+2@example.org", "Victim+news@Example.org"}) {
            REQUIRE(request(w, register_at(w, n++, email)).has_value());
        }
        CHECK(error_kind(request(w, register_at(w, n++, "victim@example.org"))) == ErrorKind::rate_limited);
        CHECK(error_kind(request(w, register_at(w, n++, "victim+3@example.org"))) == ErrorKind::rate_limited);
        // Elsewhere dots are part of the name: another mailbox.
        CHECK(request(w, register_at(w, n++, "vic.tim@example.org")).has_value());
    }
    {
        World w(three_per_address());
        int n = 1;
        for (const char* email : {"v.i.c.t.i.m@gmail.com", "victim+x@googlemail.com", "vic.tim+y@gmail.com"}) {
            REQUIRE(request(w, register_at(w, n++, email)).has_value());
        }
        CHECK(error_kind(request(w, register_at(w, n++, "victim@gmail.com"))) == ErrorKind::rate_limited);
    }
}

TEST_CASE("by default an address has no limit of its own - each record gets its own three requests an hour",
          "[core][erasure][rate]") {
    // The contract limits requests per customer record: a new record at an address that
    // erased records were mailed at gets its own three, however many there were.
    World w;
    int accepted = 0;
    for (int record = 1; record <= 12; ++record) {
        auto registration = w.customers.register_customer([&] {
            auto d = draft(record);
            d.email = text("same.mailbox@example.org");
            return d;
        }());
        REQUIRE(registration.has_value());
        for (int i = 0; i < 3; ++i) {
            if (request(w, *registration).has_value()) ++accepted;
        }
        REQUIRE(w.customers.remove(bearer(registration->token), registration->customer.ulid.to_string()).has_value());
        w.clock.advance(1min);
        INFO("record " << record);
        CHECK(accepted == 3 * record);
    }
}

TEST_CASE("the address allowance comes from the policy", "[core][erasure][rate]") {
    auto policy = test_policy();
    CHECK_FALSE(normalised(policy).deletion_mails_per_address_per_hour.has_value());
    policy.deletion_mails_per_address_per_hour = 2;
    CHECK(normalised(policy).deletion_mails_per_address_per_hour == 2u);
    World w(policy);
    const auto me = w.add_customer();
    REQUIRE(request(w, me).has_value());
    REQUIRE(request(w, me).has_value());
    CHECK(error_kind(request(w, me)) == ErrorKind::rate_limited);
}

TEST_CASE("the hourly allowance comes from the policy", "[core][erasure][rate]") {
    auto policy = test_policy();
    policy.deletion_requests_per_hour = 1;
    World w(policy);
    const auto me = w.add_customer();
    REQUIRE(request(w, me).has_value());
    CHECK(error_kind(request(w, me)) == ErrorKind::rate_limited);
}

// ---- confirm

TEST_CASE("confirming a deletion link deletes the customer", "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    auto r = w.erasure.confirm(token);
    INFO(describe(r));
    REQUIRE(r.has_value());
    CHECK_FALSE(w.stored(me.customer.ulid).has_value());
}

TEST_CASE("after confirmation the customer's bearer token no longer authenticates",
          "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(w.erasure.confirm(w.deletion_link_token(me)).has_value());
    CHECK(error_message(w.authenticate(bearer(me.token))) == messages::invalid_token);
}

TEST_CASE("after confirmation the customer's queued mail and other links are gone",
          "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer();
    const auto first = w.deletion_link_token(me);
    const auto second = w.deletion_link_token(me);
    REQUIRE(w.erasure.confirm(second).has_value());
    CHECK(w.outbox().empty());
    CHECK(error_message(w.erasure.confirm(first)) == messages::no_token_matches);
}

TEST_CASE("a link that erased its record is known as used for a quarter hour - a link that failed is not",
          "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer(1);
    const auto other = w.add_customer(2);
    const auto used = w.deletion_link_token(me);
    const auto unused = w.deletion_link_token(other);
    const auto confirmed_at = w.clock.now();
    CHECK_FALSE(w.erasure.erased_with(used).has_value());  // not before it is used
    REQUIRE(w.erasure.confirm(used).has_value());
    // A second click: refused as an unknown link is (the contract's 404), yet known as used.
    CHECK(error_message(w.erasure.confirm(used)) == messages::no_token_matches);
    CHECK(w.erasure.erased_with(used) == confirmed_at);
    CHECK_FALSE(w.erasure.erased_with(unused).has_value());
    CHECK_FALSE(w.erasure.erased_with("not-a-link").has_value());

    // A link refused (here: the address changed since it was mailed) is not counted as used.
    CustomerDraft move_off;
    move_off.email = text("moved@example.org");
    REQUIRE(w.customers.update_self(bearer(other.token), move_off, DraftMode::partial).has_value());
    CHECK_FALSE(w.erasure.confirm(unused).has_value());
    CHECK_FALSE(w.erasure.erased_with(unused).has_value());

    w.clock.advance(std::chrono::minutes(15) - std::chrono::milliseconds(1));
    CHECK(w.erasure.erased_with(used) == confirmed_at);
    w.clock.advance(std::chrono::milliseconds(1));
    CHECK_FALSE(w.erasure.erased_with(used).has_value());
}

namespace {

// A store whose write commits fail (the disk filled up at the last moment); reads work.
class CommitFails final : public Store {
public:
    explicit CommitFails(Store& inner) : inner_(inner) {}
    std::unique_ptr<Transaction> begin(TransactionMode mode) override {
        auto tx = inner_.begin(mode);
        if (mode == TransactionMode::read) return tx;
        return std::make_unique<Failing>(std::move(tx));
    }
    bool healthy() override { return true; }

private:
    class Failing final : public Transaction {
    public:
        explicit Failing(std::unique_ptr<Transaction> inner) : inner_(std::move(inner)) {}
        CustomerRepository& customers() override { return inner_->customers(); }
        CredentialRepository& credentials() override { return inner_->credentials(); }
        DeletionTokenRepository& deletion_tokens() override { return inner_->deletion_tokens(); }
        Outbox& outbox() override { return inner_->outbox(); }
        AuditLog& audit() override { return inner_->audit(); }
        void commit() override { throw StoreUnavailable("database or disk is full"); }

    private:
        std::unique_ptr<Transaction> inner_;
    };
    Store& inner_;
};

}  // namespace

TEST_CASE("a link whose erasure did not commit is not known as used", "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer();
    const auto link = w.deletion_link_token(me);
    CommitFails full(w.store);
    ErasureService erasure(full, w.clock, w.random, w.hasher, w.policy);
    CHECK(error_kind(erasure.confirm(link)) == ErrorKind::unavailable);
    CHECK_FALSE(erasure.erased_with(link).has_value());
    CHECK(w.stored(me.customer.ulid).has_value());
}

TEST_CASE("confirmation erases only that customer", "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer(1);
    const auto other = w.add_customer(2);
    REQUIRE(w.erasure.confirm(w.deletion_link_token(me)).has_value());
    CHECK(w.stored(other.customer.ulid) == other.customer);
    CHECK(w.authenticate(bearer(other.token)).has_value());
}

TEST_CASE("confirmation appends an erasure audit entry without personal data",
          "[core][erasure][confirm][audit]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(w.erasure.confirm(w.deletion_link_token(me)).has_value());
    const auto entries = w.audit();
    const auto ulid = me.customer.ulid.to_string();
    CHECK(
        std::any_of(entries.begin(), entries.end(), [&](const AuditEntry& e) { return e.subject == ulid; }));
    for (const auto& e : entries) {
        const std::string all = e.event + "|" + e.subject + "|" + e.detail;
        INFO(all);
        CHECK_FALSE(contains(all, me.customer.email));
        CHECK_FALSE(contains(all, "aaron"));
        CHECK_FALSE(contains(all, me.customer.first_name));
        CHECK_FALSE(contains(all, me.customer.last_name));
        CHECK_FALSE(contains(all, me.customer.phone_number));
    }
}

TEST_CASE("a deletion link works only once", "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    REQUIRE(w.erasure.confirm(token).has_value());
    auto again = w.erasure.confirm(token);
    CHECK(error_kind(again) == ErrorKind::not_found);
    CHECK(error_message(again) == messages::no_token_matches);
}

TEST_CASE("an unknown deletion link matches no token", "[core][erasure][confirm]") {
    World w;
    (void)w.deletion_link_token(w.add_customer());
    auto r = w.erasure.confirm(unknown_deletion_token());
    CHECK(error_kind(r) == ErrorKind::not_found);
    CHECK(error_message(r) == messages::no_token_matches);
    CHECK(w.customer_count() == 1);
}

TEST_CASE("a malformed deletion link matches no token", "[core][erasure][confirm]") {
    World w;
    for (const char* bad : {"", "short", "jmb_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
                            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+"}) {
        INFO(bad);
        auto r = w.erasure.confirm(bad);
        CHECK(error_kind(r) == ErrorKind::not_found);
        CHECK(error_message(r) == messages::no_token_matches);
    }
}

TEST_CASE("a deletion link still works a millisecond before it expires", "[core][erasure][confirm][ttl]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    w.clock.advance(std::chrono::hours{1} - 1ms);
    CHECK(w.erasure.confirm(token).has_value());
}

TEST_CASE("a deletion link at its expiry time has expired", "[core][erasure][confirm][ttl]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    w.clock.advance(std::chrono::hours{1});
    auto r = w.erasure.confirm(token);
    CHECK(error_kind(r) == ErrorKind::gone);
    CHECK(error_message(r) == messages::link_expired);
}

TEST_CASE("an expired link deletes nothing", "[core][erasure][confirm][ttl]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    w.clock.advance(std::chrono::hours{2});
    REQUIRE(error_kind(w.erasure.confirm(token)) == ErrorKind::gone);
    CHECK(w.stored(me.customer.ulid) == me.customer);
    CHECK(w.authenticate(bearer(me.token)).has_value());
}

TEST_CASE("the link lifetime comes from the policy", "[core][erasure][confirm][ttl]") {
    auto policy = test_policy();
    policy.deletion_token_ttl = std::chrono::minutes{10};
    World w(policy);
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    w.clock.advance(10min);
    CHECK(error_kind(w.erasure.confirm(token)) == ErrorKind::gone);
}

TEST_CASE("a deletion link stops working when the customer changes email", "[core][erasure][confirm]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    CustomerDraft patch;
    patch.email = text("someone.else@example.org");
    REQUIRE(w.customers.update_self(bearer(me.token), patch, DraftMode::partial).has_value());
    auto r = w.erasure.confirm(token);
    CHECK(error_kind(r) == ErrorKind::not_found);
    CHECK(w.stored(me.customer.ulid).has_value());
}

TEST_CASE("of two simultaneous confirmations of one link exactly one succeeds",
          "[core][erasure][confirm][concurrency]") {
    World w;
    for (int round = 0; round < 10; ++round) {
        const auto me = w.add_customer(round);
        const auto token = w.deletion_link_token(me);
        std::atomic<int> succeeded{0};
        std::atomic<int> not_found{0};
        std::latch start{2};
        {
            std::vector<std::jthread> threads;
            for (int t = 0; t < 2; ++t) {
                threads.emplace_back([&] {
                    start.arrive_and_wait();
                    auto r = w.erasure.confirm(token);
                    if (r) {
                        ++succeeded;
                    } else if (r.error().kind == ErrorKind::not_found) {
                        ++not_found;
                    }
                });
            }
        }
        INFO("round " << round);
        CHECK(succeeded == 1);
        CHECK(not_found == 1);
    }
    CHECK(w.customer_count() == 0);
}

// ---- preview

TEST_CASE("previewing a link shows whom it erases and when it expires", "[core][erasure][preview]") {
    World w;
    const auto me = w.add_customer();
    const auto issued_at = w.clock.now();
    const auto token = w.deletion_link_token(me);
    auto r = w.erasure.preview(token);
    INFO(describe(r));
    REQUIRE(r.has_value());
    CHECK(r->customer == me.customer);
    CHECK(r->expires_at == issued_at + std::chrono::hours{1});
}

TEST_CASE("previewing a link deletes nothing and leaves the link usable", "[core][erasure][preview]") {
    World w;
    const auto me = w.add_customer();
    const auto token = w.deletion_link_token(me);
    REQUIRE(w.erasure.preview(token).has_value());
    REQUIRE(w.erasure.preview(token).has_value());
    CHECK(w.stored(me.customer.ulid) == me.customer);
    CHECK(w.erasure.confirm(token).has_value());
}

TEST_CASE("previewing an unknown link matches no token and an expired one is gone",
          "[core][erasure][preview]") {
    World w;
    const auto token = w.deletion_link_token(w.add_customer());
    CHECK(error_message(w.erasure.preview(unknown_deletion_token())) == messages::no_token_matches);
    w.clock.advance(std::chrono::hours{1});
    CHECK(error_kind(w.erasure.preview(token)) == ErrorKind::gone);
}

TEST_CASE("a deletion mail expires with its link", "[core][erasure][request][mail]") {
    World w;
    const auto me = w.add_customer();
    REQUIRE(request(w, me).has_value());
    REQUIRE(w.outbox().size() == 1);
    CHECK(w.outbox()[0].expires_at == w.clock.now() + w.policy.deletion_token_ttl);
}

TEST_CASE("a change of address drops the deletion mail still queued for the old one - recorded as given up",
          "[core][erasure][mail]") {
    World w;
    const auto me = w.add_customer(1);
    const auto other = w.add_customer(2);
    REQUIRE(request(w, me).has_value());
    REQUIRE(request(w, other).has_value());
    const auto dropped = w.outbox().at(0);
    REQUIRE(dropped.customer == me.customer.ulid);

    CustomerDraft patch;
    patch.first_name = text("Wanjiru");  // not the address: the mail stays
    REQUIRE(w.customers.update_self(bearer(me.token), patch, DraftMode::partial).has_value());
    patch.email = text("AARON1@Example.org");  // the same address in other letters: it stays
    REQUIRE(w.customers.update_self(bearer(me.token), patch, DraftMode::partial).has_value());
    CHECK(w.outbox().size() == 2);

    patch.email = text("new.box@example.org");
    REQUIRE(w.customers.update_self(bearer(me.token), patch, DraftMode::partial).has_value());
    const auto left = w.outbox();
    REQUIRE(left.size() == 1);
    CHECK(left[0].customer == other.customer.ulid);
    const auto entry = w.audit().at(0);
    CHECK(entry.event == "mail.abandoned");
    CHECK(entry.subject == me.customer.ulid.to_string());
    CHECK(entry.detail == "address changed: its link stopped working; message " +
                              mail_key(dropped.id, dropped.created_at));

    // Staff correcting the address drop it as well.
    const auto staff = w.add_staff();
    patch.email = text("moved@example.org");
    REQUIRE(w.customers.update(bearer(staff), other.customer.ulid.to_string(), patch, DraftMode::partial).has_value());
    CHECK(w.outbox().empty());
}
