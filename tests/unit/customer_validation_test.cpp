#include "unit_support.hpp"

#include <jambo/core/customer.hpp>

#include <string>

using namespace jambo::core;
using jambo::unit::draft;
using jambo::unit::field_errors;
using jambo::unit::one;
using jambo::unit::text;

namespace {

const ValidationSettings settings{
    "254", std::chrono::year_month_day{std::chrono::year{2024}, std::chrono::June, std::chrono::day{15}}};

Result<Customer> validate(const CustomerDraft& d) {
    return validate_customer(d, DraftMode::full, Customer{}, settings);
}

Result<Customer> with_field(std::optional<RawField> CustomerDraft::*field, std::optional<RawField> value) {
    auto d = draft();
    d.*field = std::move(value);
    return validate(d);
}

Result<Customer> with_text(std::optional<RawField> CustomerDraft::*field, std::string value) {
    return with_field(field, text(std::move(value)));
}

std::string repeat(std::string_view unit, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i) out += unit;
    return out;
}

}  // namespace

TEST_CASE("a valid draft becomes a normalised customer", "[core][validation]") {
    auto r = validate(draft(7));
    INFO(jambo::unit::describe(r));
    REQUIRE(r.has_value());
    CHECK(r->first_name == "Cynthia");
    CHECK(r->last_name == "Norris");
    CHECK(r->middle_name == "Alexander");
    CHECK(r->nationality == "LS");
    CHECK(r->dob_text() == "1912-09-06");
    CHECK(r->email == "aaron7@example.org");
    CHECK(r->phone_number == "254700000007");
}

TEST_CASE("an empty draft reports every required field at once, but not middle_name", "[core][validation]") {
    auto r = validate(CustomerDraft{});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == ErrorKind::validation);
    const FieldErrors expected{
        {"dob", one(messages::required)},         {"email", one(messages::required)},
        {"first_name", one(messages::required)},  {"last_name", one(messages::required)},
        {"nationality", one(messages::required)}, {"phone_number", one(messages::required)}};
    CHECK(r.error().fields == expected);
}

TEST_CASE("several bad fields are all reported in one answer", "[core][validation]") {
    auto d = draft();
    d.email = text("not-an-email");
    d.dob = text("06/09/1912");
    d.first_name.reset();
    auto r = validate(d);
    REQUIRE_FALSE(r.has_value());
    const FieldErrors expected{{"dob", one(messages::bad_date)},
                               {"email", one(messages::invalid_email)},
                               {"first_name", one(messages::required)}};
    CHECK(r.error().fields == expected);
}

TEST_CASE("names are trimmed of surrounding white space", "[core][validation][name]") {
    auto r = with_text(&CustomerDraft::first_name, "  Cynthia \t");
    REQUIRE(r.has_value());
    CHECK(r->first_name == "Cynthia");
}

TEST_CASE("a first name of only white space is blank", "[core][validation][name]") {
    CHECK(field_errors(with_text(&CustomerDraft::first_name, "   "), "first_name") == one(messages::blank));
}

TEST_CASE("an empty last name is blank", "[core][validation][name]") {
    CHECK(field_errors(with_text(&CustomerDraft::last_name, ""), "last_name") == one(messages::blank));
}

TEST_CASE("a null first name may not be null", "[core][validation][name]") {
    CHECK(field_errors(with_field(&CustomerDraft::first_name, RawField::null()), "first_name") ==
          one(messages::null));
}

TEST_CASE("a number or other non-string name is not a valid string", "[core][validation][name]") {
    CHECK(field_errors(with_field(&CustomerDraft::last_name, RawField::not_text()), "last_name") ==
          one(messages::not_a_string));
}

TEST_CASE("a name with a control character inside is refused", "[core][validation][name]") {
    CHECK(field_errors(with_text(&CustomerDraft::first_name, "Cyn\x01thia"), "first_name") ==
          one(messages::control_characters));
    CHECK(field_errors(with_text(&CustomerDraft::last_name, "Nor\tris"), "last_name") ==
          one(messages::control_characters));
    // Line and paragraph separators, bidi embeddings, overrides and isolates (UTF-8 spelled out).
    for (const char* inside : {"\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAA", "\xE2\x80\xAE", "\xE2\x81\xA6",
                               "\xE2\x81\xA9"}) {
        INFO(inside);
        CHECK(field_errors(with_text(&CustomerDraft::first_name, std::string("Cyn") + inside + "thia"), "first_name") ==
              one(messages::control_characters));
    }
}

TEST_CASE("joiners and direction marks that names in some scripts need are accepted", "[core][validation][name]") {
    // ZWNJ in a Persian name, ZWJ, and a right-to-left mark.
    for (const char* name : {"\xD9\x85\xD9\x87\xE2\x80\x8C\xD8\xB3\xD8\xA7", "a\xE2\x80\x8D" "b", "\xE2\x80\x8F" "Dana"}) {
        INFO(name);
        CHECK(with_text(&CustomerDraft::first_name, name).has_value());
    }
}

TEST_CASE("a name that only looks blank is blank - invisible characters at its ends are dropped",
          "[core][validation][name]") {
    // ZWSP, BOM, Hangul filler, Braille blank, and spaces around a soft hyphen and a word joiner.
    for (const char* blank : {"\xE2\x80\x8B", "\xEF\xBB\xBF", "\xE3\x85\xA4", "\xE2\xA0\x80",
                              " \xC2\xAD \xE2\x81\xA0 "}) {
        INFO(blank);
        CHECK(field_errors(with_text(&CustomerDraft::first_name, blank), "first_name") == one(messages::blank));
    }
    auto bom = with_text(&CustomerDraft::last_name, "\xEF\xBB\xBFLee\xE2\x80\x8B ");
    REQUIRE(bom.has_value());
    CHECK(bom->last_name == "Lee");  // not a look-alike of "Lee" that compares different
    auto inside = with_text(&CustomerDraft::first_name, "a\xE2\x80\x8D" "b");
    REQUIRE(inside.has_value());
    CHECK(inside->first_name == "a\xE2\x80\x8D" "b");
    auto middle = with_text(&CustomerDraft::middle_name, "\xE2\x80\x8B");
    REQUIRE(middle.has_value());
    CHECK(middle->middle_name.empty());
}

TEST_CASE("a name that is not valid UTF-8 is refused", "[core][validation][name]") {
    CHECK(field_errors(with_text(&CustomerDraft::first_name, "Cyn\xFFthia"), "first_name") ==
          one(messages::invalid_utf8));
}

TEST_CASE("every field says when its bytes are not UTF-8, the date of birth too", "[core][validation]") {
    for (auto member : {&CustomerDraft::last_name, &CustomerDraft::middle_name, &CustomerDraft::nationality,
                        &CustomerDraft::dob, &CustomerDraft::email, &CustomerDraft::phone_number}) {
        const auto r = with_text(member, "\xE9");
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().fields.size() == 1);
        CHECK(r.error().fields.begin()->second == one(messages::invalid_utf8));
    }
}

TEST_CASE("a name of exactly 255 characters is accepted", "[core][validation][name]") {
    auto r = with_text(&CustomerDraft::first_name, std::string(255, 'a'));
    REQUIRE(r.has_value());
    CHECK(r->first_name.size() == 255);
}

TEST_CASE("a name of 256 characters is too long", "[core][validation][name]") {
    CHECK(field_errors(with_text(&CustomerDraft::first_name, std::string(256, 'a')), "first_name") ==
          one(messages::too_long_255));
}

TEST_CASE("name length counts code points, not bytes", "[core][validation][name]") {
    CHECK(with_text(&CustomerDraft::last_name, repeat("\xC3\xA9", 255)).has_value());
    CHECK(field_errors(with_text(&CustomerDraft::last_name, repeat("\xC3\xA9", 256)), "last_name") ==
          one(messages::too_long_255));
}

TEST_CASE("name length is measured after trimming", "[core][validation][name]") {
    CHECK(with_text(&CustomerDraft::first_name, "  " + std::string(255, 'b') + "  ").has_value());
}

TEST_CASE("an absent middle name is stored as an empty string", "[core][validation][middle_name]") {
    auto r = with_field(&CustomerDraft::middle_name, std::nullopt);
    REQUIRE(r.has_value());
    CHECK(r->middle_name.empty());
}

TEST_CASE("a blank middle name is allowed and stored empty", "[core][validation][middle_name]") {
    auto r = with_text(&CustomerDraft::middle_name, "   ");
    REQUIRE(r.has_value());
    CHECK(r->middle_name.empty());
}

TEST_CASE("a null middle name may not be null", "[core][validation][middle_name]") {
    CHECK(field_errors(with_field(&CustomerDraft::middle_name, RawField::null()), "middle_name") ==
          one(messages::null));
}

TEST_CASE("a middle name follows the same length rule as other names", "[core][validation][middle_name]") {
    CHECK(field_errors(with_text(&CustomerDraft::middle_name, std::string(256, 'm')), "middle_name") ==
          one(messages::too_long_255));
}

TEST_CASE("an email is trimmed, keeps its local part and gets a lower-case domain",
          "[core][validation][email]") {
    auto r = with_text(&CustomerDraft::email, "  Aaron.Norris+Tag@Example.ORG ");
    REQUIRE(r.has_value());
    CHECK(r->email == "Aaron.Norris+Tag@example.org");
}

TEST_CASE("the email key used for uniqueness is the whole address lower-cased", "[core][validation][email]") {
    auto r = with_text(&CustomerDraft::email, "Aaron@Example.org");
    REQUIRE(r.has_value());
    CHECK(r->email_key() == "aaron@example.org");
}

TEST_CASE("an email without an @ is invalid", "[core][validation][email]") {
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron.example.org"), "email") ==
          one(messages::invalid_email));
}

TEST_CASE("an email with two @ is invalid", "[core][validation][email]") {
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron@home@example.org"), "email") ==
          one(messages::invalid_email));
}

TEST_CASE("an email with an empty local part is invalid", "[core][validation][email]") {
    CHECK(field_errors(with_text(&CustomerDraft::email, "@example.org"), "email") ==
          one(messages::invalid_email));
}

TEST_CASE("an email domain without a dot is invalid", "[core][validation][email]") {
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron@localhost"), "email") ==
          one(messages::invalid_email));
}

TEST_CASE("an email domain with an empty or hyphen-edged label is invalid", "[core][validation][email]") {
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron@example..org"), "email") ==
          one(messages::invalid_email));
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron@-example.org"), "email") ==
          one(messages::invalid_email));
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron@example-.org"), "email") ==
          one(messages::invalid_email));
    CHECK(field_errors(with_text(&CustomerDraft::email, "aaron@exa_mple.org"), "email") ==
          one(messages::invalid_email));
}

TEST_CASE("an email of 254 characters is accepted and one of 255 is too long", "[core][validation][email]") {
    const std::string domain =
        std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(61, 'c') + ".org";
    REQUIRE(domain.size() == 193);
    const std::string fits = std::string(60, 'x') + "@" + domain;
    const std::string too_long = std::string(61, 'x') + "@" + domain;
    REQUIRE(fits.size() == 254);
    CHECK(with_text(&CustomerDraft::email, fits).has_value());
    CHECK(field_errors(with_text(&CustomerDraft::email, too_long), "email") == one(messages::too_long_254));
}

TEST_CASE("a value that breaks several rules gets every message, in DRF's order", "[core][validation]") {
    // DRF runs all of a field's validators and keeps each complaint: the length limit first.
    using V = std::vector<std::string>;
    CHECK(field_errors(with_text(&CustomerDraft::email, std::string(300, 'x')), "email") ==
          V{messages::too_long_254, messages::invalid_email});
    CHECK(field_errors(with_text(&CustomerDraft::email, std::string("a1@example.com\0", 15)), "email") ==
          V{messages::null_characters, messages::invalid_email});
    CHECK(field_errors(with_text(&CustomerDraft::first_name, std::string(255, 'a') + "\x01"), "first_name") ==
          V{messages::too_long_255, messages::control_characters});
    // One broken rule, one message.
    CHECK(field_errors(with_text(&CustomerDraft::first_name, std::string(256, 'a')), "first_name") ==
          one(messages::too_long_255));
}

TEST_CASE("a blank email may not be blank and a null one may not be null", "[core][validation][email]") {
    CHECK(field_errors(with_text(&CustomerDraft::email, "  "), "email") == one(messages::blank));
    CHECK(field_errors(with_field(&CustomerDraft::email, RawField::null()), "email") == one(messages::null));
}

TEST_CASE("nationality accepts an alpha-2 code in any case and stores it upper-case",
          "[core][validation][nationality]") {
    auto r = with_text(&CustomerDraft::nationality, "ke");
    REQUIRE(r.has_value());
    CHECK(r->nationality == "KE");
}

TEST_CASE("nationality accepts an alpha-3 code and stores the alpha-2 code",
          "[core][validation][nationality]") {
    auto r = with_text(&CustomerDraft::nationality, "kor");
    REQUIRE(r.has_value());
    CHECK(r->nationality == "KR");
}

TEST_CASE("nationality accepts the ISO name, common name or official name, case-insensitively",
          "[core][validation][nationality]") {
    CHECK(rules::nationality("Bolivia, Plurinational State of") == "BO");
    CHECK(rules::nationality("bolivia") == "BO");
    CHECK(rules::nationality("PLURINATIONAL STATE OF BOLIVIA") == "BO");
    CHECK(rules::nationality("Lesotho") == "LS");
}

TEST_CASE("an unknown nationality is not a valid choice, quoting the input",
          "[core][validation][nationality]") {
    CHECK(field_errors(with_text(&CustomerDraft::nationality, "Narnia"), "nationality") ==
          std::vector<std::string>{"\"Narnia\" is not a valid choice."});
}

TEST_CASE("a customer's nationality is shown as the name people use", "[core][validation][nationality]") {
    Customer c;
    c.nationality = "BO";
    CHECK(c.nationality_name() == "Bolivia");
    c.nationality = "KR";
    CHECK(c.nationality_name() == "South Korea");
    c.nationality = "LS";
    CHECK(c.nationality_name() == "Lesotho");
}

TEST_CASE("a date of birth must be written YYYY-MM-DD", "[core][validation][dob]") {
    CHECK(field_errors(with_text(&CustomerDraft::dob, "06/09/1912"), "dob") == one(messages::bad_date));
    CHECK(field_errors(with_text(&CustomerDraft::dob, "1912-9-6"), "dob") == one(messages::bad_date));
    CHECK(field_errors(with_text(&CustomerDraft::dob, "1912-09-06T00:00"), "dob") == one(messages::bad_date));
}

TEST_CASE("a date of birth must be a real calendar date", "[core][validation][dob]") {
    CHECK(field_errors(with_text(&CustomerDraft::dob, "2023-02-29"), "dob") == one(messages::bad_date));
    CHECK(field_errors(with_text(&CustomerDraft::dob, "2001-13-01"), "dob") == one(messages::bad_date));
    CHECK(field_errors(with_text(&CustomerDraft::dob, "2001-04-31"), "dob") == one(messages::bad_date));
}

TEST_CASE("29 February of a leap year is a valid date of birth", "[core][validation][dob]") {
    auto r = with_text(&CustomerDraft::dob, "2024-02-29");
    REQUIRE(r.has_value());
    CHECK(r->dob_text() == "2024-02-29");
}

TEST_CASE("a date of birth today is accepted and tomorrow is in the future", "[core][validation][dob]") {
    CHECK(with_text(&CustomerDraft::dob, "2024-06-15").has_value());
    CHECK(field_errors(with_text(&CustomerDraft::dob, "2024-06-16"), "dob") == one(messages::future_date));
}

TEST_CASE("a date of birth before 1900 is refused and 1900-01-01 is accepted", "[core][validation][dob]") {
    CHECK(with_text(&CustomerDraft::dob, "1900-01-01").has_value());
    CHECK(field_errors(with_text(&CustomerDraft::dob, "1899-12-31"), "dob") ==
          one(messages::date_before_1900));
}

TEST_CASE("parse_date reads exactly YYYY-MM-DD", "[core][validation][dob]") {
    using namespace std::chrono;
    CHECK(rules::parse_date("1912-09-06") == year_month_day{year{1912}, September, day{6}});
    CHECK_FALSE(rules::parse_date("19120906").has_value());
    CHECK_FALSE(rules::parse_date("1912-09-06 ").has_value());
    CHECK_FALSE(rules::parse_date("+912-09-06").has_value());
    CHECK_FALSE(rules::parse_date("0000-01-01").has_value());  // no year 0, as in DRF: wrong format
    CHECK(rules::parse_date("0001-01-01").has_value());
}

TEST_CASE("a phone number loses its separators and leading plus", "[core][validation][phone]") {
    auto r = with_text(&CustomerDraft::phone_number, "+254 (700) 000-00.1");
    REQUIRE(r.has_value());
    CHECK(r->phone_number == "254700000001");
}

TEST_CASE("a 10-digit local number starting with 0 gets the default calling code",
          "[core][validation][phone]") {
    auto r = with_text(&CustomerDraft::phone_number, "0700000001");
    REQUIRE(r.has_value());
    CHECK(r->phone_number == "254700000001");
}

TEST_CASE("the default calling code comes from the settings", "[core][validation][phone]") {
    CHECK(rules::phone_number("0700 000 001", "44") == "44700000001");
}

TEST_CASE("a phone number needs 10 to 15 digits", "[core][validation][phone]") {
    CHECK(rules::phone_number("1234567890", "254") == "1234567890");
    CHECK(rules::phone_number("123456789012345", "254") == "123456789012345");
    CHECK(field_errors(with_text(&CustomerDraft::phone_number, "123456789"), "phone_number") ==
          one(messages::invalid_phone));
    CHECK(field_errors(with_text(&CustomerDraft::phone_number, "1234567890123456"), "phone_number") ==
          one(messages::invalid_phone));
}

TEST_CASE("a phone number with letters or a plus inside is invalid", "[core][validation][phone]") {
    CHECK(field_errors(with_text(&CustomerDraft::phone_number, "0700abc001"), "phone_number") ==
          one(messages::invalid_phone));
    CHECK(field_errors(with_text(&CustomerDraft::phone_number, "254+700000001"), "phone_number") ==
          one(messages::invalid_phone));
}

TEST_CASE("a partial draft keeps the base's other fields", "[core][validation][partial]") {
    auto base = validate(draft(3));
    REQUIRE(base.has_value());
    CustomerDraft patch;
    patch.last_name = text("Kamau");
    auto r = validate_customer(patch, DraftMode::partial, *base, settings);
    REQUIRE(r.has_value());
    auto expected = *base;
    expected.last_name = "Kamau";
    CHECK(*r == expected);
}

TEST_CASE("a partial draft still refuses null for a field it carries", "[core][validation][partial]") {
    auto base = validate(draft(3));
    REQUIRE(base.has_value());
    CustomerDraft patch;
    patch.email = RawField::null();
    auto r = validate_customer(patch, DraftMode::partial, *base, settings);
    CHECK(field_errors(r, "email") == one(messages::null));
}

TEST_CASE("a full draft takes only the ulid from the base", "[core][validation][partial]") {
    auto base = validate(draft(3));
    REQUIRE(base.has_value());
    base->ulid = *Ulid::parse("01HWJ8WH9X8WBK65EMGY9YKPBS");
    auto d = draft(4);
    d.middle_name.reset();
    auto r = validate_customer(d, DraftMode::full, *base, settings);
    REQUIRE(r.has_value());
    CHECK(r->ulid == base->ulid);
    CHECK(r->middle_name.empty());
    CHECK(r->email == "aaron4@example.org");
}
