// A request body -> the adapter's body decoding -> the core's customer validation.
// First byte: bit 0 JSON or form-encoded, bit 1 full (POST/PUT) or partial (PATCH).
//
// Checked for every accepted customer: each field obeys contract section 2; validation is
// idempotent (the customer's own output, sent again, validates to the same customer); and the
// customer object is valid JSON carrying exactly those values in the seed's order.

#include "fuzz_world.hpp"

#include "codec.hpp"
#include "customer_json.hpp"

#include <jambo/core/country.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace {

using jambo::fuzz::check;
namespace core = jambo::core;
using namespace std::chrono;

constexpr year_month_day today{year{2023}, month{11}, day{14}};

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

void check_name(const std::string& value, bool may_be_blank) {
    check(core::is_valid_utf8(value), "names are UTF-8");
    check(core::trim(value) == value, "names are trimmed");
    auto count = core::code_point_count(value);
    check(count <= 255 && (may_be_blank || count >= 1), "names have 1..255 code points");
    // A cheap control-character scan over the ASCII and C1 ranges in UTF-8.
    for (std::size_t i = 0; i < value.size(); ++i) {
        auto byte = static_cast<unsigned char>(value[i]);
        check(!is_control(byte) || byte >= 0x80, "no C0 controls or DEL in names");
        if (byte == 0xC2 && i + 1 < value.size()) {
            auto next = static_cast<unsigned char>(value[i + 1]);
            check(next < 0x80 || next > 0x9F, "no C1 controls in names");
        }
    }
}

void check_customer(const core::Customer& customer) {
    check_name(customer.first_name, false);
    check_name(customer.last_name, false);
    check_name(customer.middle_name, true);
    check(customer.email.size() <= 254 && std::ranges::count(customer.email, '@') == 1, "one @, at most 254");
    auto domain = customer.email.substr(customer.email.find('@') + 1);
    check(std::ranges::none_of(domain, [](char c) { return c >= 'A' && c <= 'Z'; }), "domain lower-cased");
    check(customer.phone_number.size() >= 10 && customer.phone_number.size() <= 15, "10..15 digits");
    check(std::ranges::all_of(customer.phone_number, [](char c) { return c >= '0' && c <= '9'; }), "digits only");
    check(core::country_by_alpha_2(customer.nationality) != nullptr, "nationality is an alpha-2 code");
    check(customer.dob.ok() && customer.dob <= today && customer.dob >= year_month_day{year{1900}, January, day{1}},
          "dob is a real date in 1900..today");
}

core::CustomerDraft draft_of(const core::Customer& customer) {
    auto text = [](std::string_view value) { return core::RawField::text(std::string(value)); };
    core::CustomerDraft draft;
    draft.first_name = text(customer.first_name);
    draft.last_name = text(customer.last_name);
    draft.middle_name = text(customer.middle_name);
    draft.nationality = text(customer.nationality_name());
    draft.dob = text(customer.dob_text());
    draft.email = text(customer.email);
    draft.phone_number = text(customer.phone_number);
    return draft;
}

void check_json(const core::Customer& customer) {
    boost::json::error_code ec;
    auto value = boost::json::parse(jambo::http::customer_json(customer), ec);
    check(!ec && value.is_object(), "the customer object is JSON");
    const auto& object = value.as_object();
    static constexpr std::array<std::string_view, 8> keys = {"ulid", "first_name", "last_name", "middle_name",
                                                             "nationality", "dob", "email", "phone_number"};
    check(object.size() == keys.size(), "eight fields");
    std::size_t i = 0;
    for (const auto& entry : object) {
        check(entry.key() == keys[i++], "the seed's field order");
        check(entry.value().is_string(), "every field a string");
    }
    check(object.at("first_name").as_string() == customer.first_name, "first_name round-trips");
    check(object.at("last_name").as_string() == customer.last_name, "last_name round-trips");
    check(object.at("middle_name").as_string() == customer.middle_name, "middle_name round-trips");
    check(object.at("email").as_string() == customer.email, "email round-trips");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 128 * 1024) return -1;
    auto form = (data[0] & 1) != 0;
    auto mode = (data[0] & 2) != 0 ? core::DraftMode::partial : core::DraftMode::full;
    auto request = jambo::http::Request::make(jambo::http::Method::post, "/api/customers",
                                              std::string(reinterpret_cast<const char*>(data + 1), size - 1));
    request.headers.add("Content-Type", form ? "application/x-www-form-urlencoded" : "application/json");

    auto draft = jambo::http::decode_customer(request);
    if (!draft) {
        check(draft.error().status == 400, "an undecodable body is a 400");
        return 0;
    }
    core::Customer base;
    if (mode == core::DraftMode::partial) {
        auto seeded = core::validate_customer(jambo::fuzz::draft_for(1), core::DraftMode::full, base,
                                              core::ValidationSettings{"254", today});
        check(seeded.has_value(), "the base customer is valid");
        base = *seeded;
    }
    core::ValidationSettings settings{"254", today};
    auto customer = core::validate_customer(*draft, mode, base, settings);
    if (!customer) {
        check(customer.error().kind == core::ErrorKind::validation && !customer.error().fields.empty(),
              "a refusal names the bad fields");
        return 0;
    }
    check_customer(*customer);
    auto again = core::validate_customer(draft_of(*customer), core::DraftMode::full, base, settings);
    check(again.has_value() && *again == *customer, "validation is idempotent");
    check_json(*customer);
    return 0;
}
