#include "unit_support.hpp"

#include <jambo/core/mail_record.hpp>
#include <tuple>

using namespace jambo::core;
using namespace jambo::unit;

TEST_CASE("a new staff account's first token authenticates as staff", "[core][admin]") {
    World w;
    const auto token = w.add_staff("boss@jambo.example");
    CHECK(is_well_formed_bearer_token(token));
    const auto staff = w.admin.list_staff().value();
    REQUIRE(staff.size() == 1);
    auto who = w.authenticate(bearer(token));
    REQUIRE(who.has_value());
    CHECK(*who == Principal{Role::staff, staff[0].id});
}

TEST_CASE("staff accounts are listed with their email and name", "[core][admin]") {
    World w;
    REQUIRE(w.admin.add_staff("boss@jambo.example", "Boss").has_value());
    REQUIRE(w.admin.add_staff("clerk@jambo.example", "Clerk").has_value());
    const auto staff = w.admin.list_staff().value();
    REQUIRE(staff.size() == 2);
    std::vector<std::string> emails{staff[0].email, staff[1].email};
    std::sort(emails.begin(), emails.end());
    CHECK(emails == std::vector<std::string>{"boss@jambo.example", "clerk@jambo.example"});
}

TEST_CASE("a staff account needs a valid email", "[core][admin]") {
    World w;
    auto r = w.admin.add_staff("not-an-email", "Nobody");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::validation);
    CHECK(r.error().fields.contains("email"));
    CHECK(w.admin.list_staff().value().empty());
}

TEST_CASE("staff accounts that cannot be read are an error - not an empty list", "[core][admin]") {
    // `jambo staff list` printed nothing and exited 0 when the store could not be read.
    FailingStore store(true);
    jambo::testing::FixedClock clock;
    jambo::sodium::SodiumRandom random;
    jambo::testing::FakeHasher hasher;
    UlidGenerator ulids(clock, random);
    AdminService admin(store, clock, random, hasher, ulids);
    const auto staff = admin.list_staff();
    REQUIRE_FALSE(staff.has_value());
    CHECK(staff.error().kind == ErrorKind::unavailable);
}

TEST_CASE("a second staff account with the same email in another case is refused", "[core][admin]") {
    World w;
    (void)w.add_staff("boss@jambo.example");
    auto r = w.admin.add_staff("BOSS@Jambo.Example", "Boss again");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().fields.contains("email"));
    CHECK(w.admin.list_staff().value().size() == 1);
}

TEST_CASE("a further customer token works alongside the first one", "[core][admin]") {
    World w;
    const auto reg = w.add_customer();
    auto issued = w.admin.issue_customer_token(reg.customer.ulid.to_string());
    REQUIRE(issued.has_value());
    CHECK(*issued != reg.token);
    CHECK(w.authenticate(bearer(*issued)) == Principal{Role::customer, reg.customer.ulid});
    CHECK(w.authenticate(bearer(reg.token)).has_value());
}

TEST_CASE("a token cannot be issued for a customer that does not exist", "[core][admin]") {
    World w;
    CHECK(error_kind(w.admin.issue_customer_token("01HWJ8WH9X8WBK65EMGY9YKPBS")) == ErrorKind::not_found);
    CHECK(error_kind(w.admin.issue_customer_token("not-a-ulid")) == ErrorKind::not_found);
}

TEST_CASE("a further staff token is issued by staff email", "[core][admin]") {
    World w;
    (void)w.add_staff("boss@jambo.example");
    auto issued = w.admin.issue_staff_token("boss@jambo.example");
    REQUIRE(issued.has_value());
    auto who = w.authenticate(bearer(*issued));
    REQUIRE(who.has_value());
    CHECK(who->role == Role::staff);
}

TEST_CASE("a token cannot be issued for an unknown staff email", "[core][admin]") {
    World w;
    auto r = w.admin.issue_staff_token("ghost@jambo.example");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::not_found);
}

TEST_CASE("revoking a token stops only that token", "[core][admin]") {
    World w;
    const auto reg = w.add_customer();
    auto second = w.admin.issue_customer_token(reg.customer.ulid.to_string());
    REQUIRE(second.has_value());
    REQUIRE(w.admin.revoke_token(reg.token).has_value());
    CHECK_FALSE(w.authenticate(bearer(reg.token)).has_value());
    CHECK(w.authenticate(bearer(*second)).has_value());
}

TEST_CASE("revoking an unknown or already revoked token is not found - a malformed one is told so", "[core][admin]") {
    World w;
    const auto reg = w.add_customer();
    REQUIRE(w.admin.revoke_token(reg.token).has_value());
    CHECK(error_kind(w.admin.revoke_token(reg.token)) == ErrorKind::not_found);
    CHECK(error_kind(w.admin.revoke_token(unknown_bearer_token())) == ErrorKind::not_found);
    // A paste cut short is told apart from a token this database never issued.
    const auto malformed = w.admin.revoke_token(reg.token.substr(0, 20));
    CHECK(error_kind(malformed) == ErrorKind::bad_request);
    CHECK(error_message(malformed) ==
          "That is not a token: it has 16 characters after jmb_ where a token has 43 (was it cut off?).");
}

TEST_CASE("every token of an account can be revoked without the tokens at hand - and is audited",
          "[core][admin]") {
    World w;
    const auto lost = w.add_staff("leaver@jambo.example");
    const auto second = w.admin.issue_staff_token("leaver@jambo.example");
    REQUIRE(second.has_value());
    const auto colleague = w.add_staff("stays@jambo.example");
    const auto customer = w.add_customer(1);
    const auto customer_second = w.admin.issue_customer_token(customer.customer.ulid.to_string());
    REQUIRE(customer_second.has_value());
    const auto audited_before = w.audit().size();

    CHECK(w.admin.revoke_staff_tokens(" LEAVER@jambo.example ") == 2);  // the email as staff add takes it
    CHECK_FALSE(w.authenticate(bearer(lost)).has_value());
    CHECK_FALSE(w.authenticate(bearer(*second)).has_value());
    CHECK(w.authenticate(bearer(colleague)).has_value());
    CHECK(w.authenticate(bearer(customer.token)).has_value());
    CHECK(w.audit().size() == audited_before + 2);
    CHECK(w.audit().front().event == audit_event::token_revoked);  // newest first
    CHECK(w.audit().front().detail == "staff");
    CHECK(w.admin.revoke_staff_tokens("leaver@jambo.example") == 0);  // none left: not an error

    CHECK(w.admin.revoke_customer_tokens(customer.customer.ulid.to_string()) == 2);
    CHECK_FALSE(w.authenticate(bearer(customer.token)).has_value());
    CHECK_FALSE(w.authenticate(bearer(*customer_second)).has_value());
    // A new token can be issued afterwards: the account itself stays.
    const auto fresh = w.admin.issue_staff_token("leaver@jambo.example");
    REQUIRE(fresh.has_value());
    CHECK(w.authenticate(bearer(*fresh)).has_value());

    CHECK(error_kind(w.admin.revoke_staff_tokens("nobody@jambo.example")) == ErrorKind::not_found);
    CHECK(error_kind(w.admin.revoke_customer_tokens("not-a-ulid")) == ErrorKind::not_found);
    CHECK(error_kind(w.admin.revoke_customer_tokens("01HWJ8WH9X8WBK65EMGY9YKPBS")) == ErrorKind::not_found);
}

TEST_CASE("a malformed token is told what is wrong with it", "[core][admin]") {
    World w;
    const auto token = w.add_customer().token;
    const auto told = [&](const std::string& text) {
        const auto refused = w.admin.revoke_token(text);
        CHECK(error_kind(refused) == ErrorKind::bad_request);
        return error_message(refused);
    };
    CHECK(told(token.substr(4)) == "That is not a token: a jambo token starts with jmb_.");
    CHECK(told(token + "\r") ==
          "That is not a token: it has 44 characters after jmb_ where a token has 43 (was something pasted with it?).");
    auto stray = token;
    stray[10] = '=';
    CHECK(told(stray) ==
          "That is not a token: character 11 is not a letter, digit, - or _, the only characters a token has.");
    // Counted as a person counts: a pasted é is one character, the 11th.
    auto accented = token.substr(0, 10) + "\xc3\xa9" + token.substr(11);
    CHECK(told(accented) ==
          "That is not a token: character 11 is not a letter, digit, - or _, the only characters a token has.");
    CHECK(told(token.substr(0, 46) + "\xc3\xa9") ==  // 43 characters, 44 bytes: the length is right
          "That is not a token: character 47 is not a letter, digit, - or _, the only characters a token has.");
    // The last character holds 2 bits past the secret's 256, always zero: B ends no token.
    auto mistyped = token;
    mistyped.back() = 'B';
    CHECK(told(mistyped) == "That is not a token: no token ends with B (was it mistyped?).");
    CHECK(w.authenticate(bearer(token)).has_value());  // none of that touched the real one
}

TEST_CASE("after a restore - the erasures and revocations the replaced database recorded hold again", "[core][admin]") {
    World restored;  // the backup, as it was when it was made
    const auto kept = restored.add_customer(1);
    const auto erased_since = restored.add_customer(2);
    const auto staff_token = restored.add_staff();
    const auto staff = restored.admin.list_staff().value().at(0);

    // The database the backup replaces saw an erasure and a revocation after the backup.
    jambo::memory::MemoryStore replaced;
    const auto erased_at = restored.clock.now();
    {
        auto tx = replaced.begin(TransactionMode::write);
        tx->audit().append(AuditEntry{0, erased_at, "customer.erased", erased_since.customer.ulid.to_string(), "self"});
        tx->audit().append(AuditEntry{0, erased_at, "customer.erased", "01HWJ8WH9X8WBK65EMGY9YKPBS", "staff"});  // not in it
        tx->audit().append(AuditEntry{0, erased_at, "token.revoked", staff.id.to_string(), "staff"});
        tx->credentials().add_staff(staff);
        tx->credentials().insert(Credential{restored.hasher.hash(staff_token), Principal{Role::staff, staff.id}, erased_at, true});
        tx->commit();
    }
    restored.clock.advance(std::chrono::hours(5));  // restored later

    const auto done = restored.admin.restore_carry_over(replaced).value();
    CHECK(done.erased == 1);
    CHECK(done.revoked == 1);
    CHECK_FALSE(restored.stored(erased_since.customer.ulid).has_value());
    CHECK_FALSE(restored.authenticate(bearer(erased_since.token)).has_value());
    CHECK_FALSE(restored.authenticate(bearer(staff_token)).has_value());
    CHECK(restored.stored(kept.customer.ulid).has_value());
    CHECK(restored.authenticate(bearer(kept.token)).has_value());
    using Entry = std::tuple<std::string, std::string, TimePoint, std::string>;
    const auto entries = [&] {
        auto tx = restored.store.begin(TransactionMode::read);
        std::vector<Entry> out;
        for (const auto& entry : tx->audit().latest(100)) {
            if (entry.event != "token.issued") out.emplace_back(entry.event, entry.subject, entry.at, entry.detail);
        }
        std::ranges::sort(out);
        return out;
    };
    // Each erasure and revocation keeps its own time and how, also of a customer the backup
    // never held (a later restore of a newer backup that holds it reads it from here); one
    // more entry says when the restore happened and what it made again.
    auto expected = std::vector<Entry>{
        {"customer.erased", "01HWJ8WH9X8WBK65EMGY9YKPBS", erased_at, "staff"},
        {"customer.erased", erased_since.customer.ulid.to_string(), erased_at, "self"},
        {"database.restored", "", restored.clock.now(), "erased again: 1; tokens revoked again: 1; handled mail dropped: 0"},
        {"token.revoked", staff.id.to_string(), erased_at, "staff"}};
    std::ranges::sort(expected);
    CHECK(entries() == expected);
    // Restored again (the same backup, or a restore repeated): nothing to make again, and the
    // earlier restore's entry stays beside the new one.
    restored.clock.advance(std::chrono::minutes(1));
    const auto again = restored.admin.restore_carry_over(replaced).value();
    CHECK(again.erased == 0);
    CHECK(again.revoked == 0);
    expected.emplace_back("database.restored", "", restored.clock.now(),
                          "erased again: 0; tokens revoked again: 0; handled mail dropped: 0");
    std::ranges::sort(expected);
    CHECK(entries() == expected);

    // The next restore replaces this copy: it keeps both restores' entries, and each revocation
    // of the same account in the same millisecond (two tokens) is kept as two.
    World next;
    {
        auto tx = restored.store.begin(TransactionMode::write);
        tx->audit().append(AuditEntry{0, erased_at, "token.revoked", staff.id.to_string(), "staff"});
        tx->commit();
    }
    REQUIRE(next.admin.restore_carry_over(restored.store).has_value());
    auto tx = next.store.begin(TransactionMode::read);
    CHECK(tx->audit().entries_of("database.restored", TimePoint::min()).size() == 3);
    CHECK(tx->audit().entries_of("token.revoked", TimePoint::min()).size() == 2);
}

TEST_CASE("restores in a row keep every erasure and revocation - also through a backup that lacks them",
          "[core][admin]") {
    // Monday's backup lacks a customer and a staff token made on Tuesday; both are erased and
    // revoked on Wednesday. Monday restored by mistake, then Tuesday: they stay gone.
    World tuesday;  // the newer backup
    const auto customer = tuesday.add_customer(1);
    const auto boss = tuesday.add_staff("boss@jambo.example");
    const auto staff = tuesday.admin.list_staff().value().at(0);
    auto clerk_token = tuesday.admin.issue_staff_token("boss@jambo.example");
    REQUIRE(clerk_token.has_value());

    jambo::memory::MemoryStore wednesday;  // the live database that both restores replace in turn
    {
        const auto now = tuesday.clock.now();
        auto tx = wednesday.begin(TransactionMode::write);
        tx->audit().append(AuditEntry{0, now, "customer.erased", customer.customer.ulid.to_string(), "self"});
        tx->credentials().add_staff(staff);
        tx->credentials().insert(Credential{tuesday.hasher.hash(*clerk_token), Principal{Role::staff, staff.id}, now, true});
        tx->commit();
    }
    World monday;  // the older backup: the staff account exists, the customer and the token do not
    {
        auto tx = monday.store.begin(TransactionMode::write);
        tx->credentials().add_staff(staff);
        tx->commit();
    }
    const auto first = monday.admin.restore_carry_over(wednesday).value();
    CHECK(first.erased == 0);
    CHECK(first.revoked == 1);  // recorded: Monday holds the account, not the token
    const auto second = tuesday.admin.restore_carry_over(monday.store).value();  // Monday's result is now live
    CHECK(second.erased == 1);
    CHECK(second.revoked == 1);
    CHECK_FALSE(tuesday.stored(customer.customer.ulid).has_value());
    CHECK_FALSE(tuesday.authenticate(bearer(*clerk_token)).has_value());
    CHECK(tuesday.authenticate(bearer(boss)).has_value());
}

namespace {

OutboxMessage queued_mail(World& world, const Registration& to) {
    auto tx = world.store.begin(TransactionMode::write);
    OutboxMessage message{0, to.customer.ulid, to.customer.email, "Confirm", "link", world.clock.now(),
                          world.clock.now(), 0, ""};
    message.id = tx->outbox().enqueue(message);
    tx->commit();
    return message;
}

std::vector<std::int64_t> queued_ids(Store& store) {
    std::vector<std::int64_t> ids;
    auto tx = store.begin(TransactionMode::read);
    for (const auto& message : tx->outbox().due(TimePoint::max(), 100)) ids.push_back(message.id);
    return ids;
}

std::vector<AuditEntry> mail_entries(Store& store) {
    auto tx = store.begin(TransactionMode::read);
    auto entries = tx->audit().entries_of("mail.delivered", TimePoint::min());
    for (auto& entry : tx->audit().entries_of("mail.abandoned", TimePoint::min())) entries.push_back(std::move(entry));
    for (auto& entry : entries) entry.id = 0;
    return entries;
}

}  // namespace

TEST_CASE("after a restore - queued mail the replaced database delivered or gave up is not sent again", "[core][admin]") {
    World restored;  // the backup, with three messages queued
    const auto customer = restored.add_customer(1);
    const auto delivered = queued_mail(restored, customer);
    const auto rejected = queued_mail(restored, customer);
    const auto still_queued = queued_mail(restored, customer);

    jambo::memory::MemoryStore replaced;  // sent the first, gave up the second, still holds the third
    const auto later = restored.clock.now() + std::chrono::minutes(5);
    auto elsewhere = still_queued;  // another database's message with the same id, queued at another time
    elsewhere.created_at += std::chrono::milliseconds(1);
    const std::string ulid = customer.customer.ulid.to_string();
    const std::vector<AuditEntry> handled{
        {0, later, "mail.delivered", ulid, handled_mail_detail("smtp", delivered)},
        {0, later, "mail.abandoned", ulid, handled_mail_detail("smtp: rejected with 550", rejected)},
        {0, later, "mail.delivered", "", handled_mail_detail("smtp", elsewhere)}};
    {
        auto tx = replaced.begin(TransactionMode::write);
        for (const auto& entry : handled) tx->audit().append(entry);
        tx->audit().append(AuditEntry{0, later, "mail.delivered", ulid, "smtp"});  // before entries named messages
        tx->commit();
    }

    const auto done = restored.admin.restore_carry_over(replaced).value();
    CHECK(done.mail_not_resent == 2);
    CHECK(queued_ids(restored.store) == std::vector<std::int64_t>{still_queued.id});
    // Recorded here as they were, for a later restore of a newer backup that still holds them.
    CHECK(mail_entries(restored.store) == std::vector<AuditEntry>{handled[0], handled[2], handled[1]});

    const auto again = restored.admin.restore_carry_over(replaced).value();
    CHECK(again.mail_not_resent == 0);
    CHECK(mail_entries(restored.store).size() == 3);
}

TEST_CASE("restores in a row keep mail sent once - also through a backup made before it was queued", "[core][admin]") {
    // Tuesday's backup holds a message queued on Tuesday, which Wednesday's database delivered.
    // Monday restored by mistake, then Tuesday: it is not sent again.
    World monday;
    const auto customer = monday.add_customer(1);
    World tuesday;
    {
        auto from = monday.store.begin(TransactionMode::read);
        auto to = tuesday.store.begin(TransactionMode::write);
        REQUIRE(to->customers().insert(*from->customers().find(customer.customer.ulid)).has_value());
        to->commit();
    }
    tuesday.clock.advance(std::chrono::hours(24));
    const auto message = queued_mail(tuesday, customer);
    jambo::memory::MemoryStore wednesday;
    {
        auto tx = wednesday.begin(TransactionMode::write);
        tx->audit().append(AuditEntry{0, tuesday.clock.now() + std::chrono::hours(24), "mail.delivered",
                                      customer.customer.ulid.to_string(), handled_mail_detail("file", message)});
        tx->commit();
    }
    CHECK(monday.admin.restore_carry_over(wednesday).value().mail_not_resent == 0);  // Monday never held it
    CHECK(tuesday.admin.restore_carry_over(monday.store).value().mail_not_resent == 1);
    CHECK(queued_ids(tuesday.store).empty());
}

TEST_CASE("a restore whose replaced database cannot be read is an unavailable error - and changes nothing", "[core][admin]") {
    World restored;
    (void)restored.add_customer(1);
    FailingStore replaced(true);
    const auto done = restored.admin.restore_carry_over(replaced);
    REQUIRE_FALSE(done.has_value());
    CHECK(done.error().kind == ErrorKind::unavailable);
    CHECK(done.error().message == "database or disk is full");  // the store's own words, for the operator
    CHECK(restored.store.begin(TransactionMode::read)->customers().count() == 1);
    CHECK(restored.store.begin(TransactionMode::read)->audit().latest(10).empty());  // nothing recorded as carried over
}
