#include <jambo/core/customer.hpp>

#include <jambo/core/country.hpp>

#include "text.hpp"

#include <charconv>

namespace jambo::core {

namespace rules {

namespace {

// C0, DEL and C1; the line and paragraph separators, which break a line as LF does; and the
// bidirectional embeddings, overrides and isolates, which make text read other than it is
// stored ("Trojan Source"). Zero-width joiners and the LRM/RLM marks stay: names in several
// scripts need them.
bool has_control_characters(std::string_view value) {
    for (std::size_t pos = 0; pos < value.size();) {
        const char32_t c = text::next_code_point(value, pos);
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return true;
        if (c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) return true;
    }
    return false;
}

// RFC 5322 dot-atom characters, the local-part form Django's EmailValidator accepts.
bool is_atom_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || text::is_digit(c) ||
           std::string_view("!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

bool is_valid_local_part(std::string_view local) {
    if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
    if (local.find("..") != std::string_view::npos) return false;
    for (char c : local) {
        if (c != '.' && !is_atom_char(c)) return false;
    }
    return true;
}

bool is_valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || text::is_digit(c) || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool is_valid_domain(std::string_view domain) {
    if (domain.size() > 253 || domain.find('.') == std::string_view::npos) return false;
    std::string_view last;
    while (!domain.empty()) {
        const auto dot = domain.find('.');
        last = domain.substr(0, dot);
        if (!is_valid_label(last)) return false;
        domain = dot == std::string_view::npos ? std::string_view{} : domain.substr(dot + 1);
        if (dot != std::string_view::npos && domain.empty()) return false;  // trailing dot
    }
    // A top-level domain is never all digits ("a@1.2" is no address), as in Django.
    return last.size() >= 2 && last.find_first_not_of("0123456789") != std::string_view::npos;
}

bool is_valid_address(std::string_view value) {
    const auto at = value.find('@');
    if (at == std::string_view::npos || value.find('@', at + 1) != std::string_view::npos) return false;
    return is_valid_local_part(value.substr(0, at)) && is_valid_domain(value.substr(at + 1));
}

// One broken rule: the usual refusal.
std::unexpected<Messages> refuse(const char* message) { return std::unexpected(Messages{message}); }

}  // namespace

std::expected<std::string, Messages> name(std::string_view raw, bool may_be_blank) {
    if (!is_valid_utf8(raw)) return refuse(messages::invalid_utf8);
    const std::string_view value = trim_name(raw);
    if (value.empty() && !may_be_blank) return refuse(messages::blank);
    // DRF runs a CharField's validators in turn and keeps every complaint: the length first.
    Messages problems;
    if (code_point_count(value) > 255) problems.emplace_back(messages::too_long_255);
    if (has_control_characters(value)) problems.emplace_back(messages::control_characters);
    if (!problems.empty()) return std::unexpected(std::move(problems));
    return std::string(value);
}

std::expected<std::string, Messages> email(std::string_view raw) {
    if (!is_valid_utf8(raw)) return refuse(messages::invalid_utf8);
    const std::string_view value = trim(raw);
    if (value.empty()) return refuse(messages::blank);
    // DRF's EmailField: the length, NUL (as every CharField), then the address itself.
    Messages problems;
    if (code_point_count(value) > 254) problems.emplace_back(messages::too_long_254);
    if (value.find('\0') != std::string_view::npos) problems.emplace_back(messages::null_characters);
    if (!is_valid_address(value)) problems.emplace_back(messages::invalid_email);
    if (!problems.empty()) return std::unexpected(std::move(problems));
    const auto at = value.find('@');
    return std::string(value.substr(0, at)) + "@" + text::ascii_lower(value.substr(at + 1));
}

std::expected<std::string, Messages> nationality(std::string_view raw) {
    if (!is_valid_utf8(raw)) return refuse(messages::invalid_utf8);
    const std::string_view value = trim(raw);
    if (const Country* country = find_country(value)) return std::string(country->alpha_2);
    // DRF quotes the input back; a long input is cut so the message stays readable.
    std::string shown;
    std::size_t pos = 0;
    for (std::size_t n = 0; pos < value.size() && n < 64; ++n) text::next_code_point(value, pos);
    shown = value.substr(0, pos);
    if (pos < value.size()) shown += "…";
    return std::unexpected(Messages{"\"" + shown + "\" is not a valid choice."});
}

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    const auto number = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int value = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (!text::is_digit(text[i])) return std::nullopt;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    const auto y = number(0, 4);
    const auto m = number(5, 2);
    const auto d = number(8, 2);
    // There is no year 0 in the calendar (1 BC is followed by AD 1), nor in Python's dates.
    if (!y || !m || !d || *y == 0) return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{*y}, std::chrono::month{static_cast<unsigned>(*m)},
                                           std::chrono::day{static_cast<unsigned>(*d)}};
    if (!date.ok()) return std::nullopt;
    return date;
}

std::expected<std::chrono::year_month_day, Messages> dob(std::string_view raw, std::chrono::year_month_day today) {
    if (!is_valid_utf8(raw)) return refuse(messages::invalid_utf8);
    const auto date = parse_date(trim(raw));
    if (!date) return refuse(messages::bad_date);
    if (date->year() < std::chrono::year{1900}) return refuse(messages::date_before_1900);
    if (*date > today) return refuse(messages::future_date);
    return *date;
}

std::expected<std::string, Messages> phone_number(std::string_view raw, std::string_view calling_code) {
    if (!is_valid_utf8(raw)) return refuse(messages::invalid_utf8);
    const std::string_view value = trim(raw);
    if (value.empty()) return refuse(messages::blank);
    std::string digits;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        if (text::is_digit(c)) {
            digits.push_back(c);
        } else if (c == '+' && digits.empty() && value.find('+', i + 1) == std::string_view::npos) {
            continue;  // one leading '+' (separators may come before the first digit)
        } else if (std::string_view(" -.()").find(c) == std::string_view::npos) {
            return refuse(messages::invalid_phone);
        }
    }
    if (digits.size() == 10 && digits.front() == '0') digits = std::string(calling_code) + digits.substr(1);
    if (digits.size() < 10 || digits.size() > 15) return refuse(messages::invalid_phone);
    return digits;
}

}  // namespace rules

std::string Customer::email_key() const { return text::ascii_lower(email); }

std::string_view Customer::nationality_name() const {
    const Country* country = country_by_alpha_2(nationality);
    return country ? country->display_name() : std::string_view(nationality);
}

std::string Customer::dob_text() const {
    // GCC 12 has no std::format; the fields are bounded, so fixed-width digits suffice.
    const auto digits = [](unsigned value, std::size_t width) {
        std::string out(width, '0');
        for (std::size_t i = width; i-- > 0; value /= 10) out[i] = static_cast<char>('0' + value % 10);
        return out;
    };
    return digits(static_cast<unsigned>(static_cast<int>(dob.year())), 4) + "-" +
           digits(static_cast<unsigned>(dob.month()), 2) + "-" + digits(static_cast<unsigned>(dob.day()), 2);
}

namespace {

// Applies one field's rule: absence, null and non-strings are judged the same way for every
// field; a present string goes to `rule`, whose result `assign` stores.
template <typename Rule, typename Assign>
void check_field(const std::optional<RawField>& field, std::string_view name, DraftMode mode, bool optional,
                 FieldErrors& errors, Rule rule, Assign assign) {
    if (!field) {
        if (mode == DraftMode::full && !optional) errors[std::string(name)].emplace_back(messages::required);
        return;
    }
    switch (field->kind()) {
        case RawField::Kind::null:
            errors[std::string(name)].emplace_back(messages::null);
            return;
        case RawField::Kind::not_text:
            errors[std::string(name)].emplace_back(messages::not_a_string);
            return;
        case RawField::Kind::text:
            break;
    }
    auto result = rule(field->value());
    if (result) {
        assign(std::move(*result));
    } else {
        auto& field_messages = errors[std::string(name)];
        for (auto& message : result.error()) field_messages.push_back(std::move(message));
    }
}

}  // namespace

CheckedCustomer check_customer(const CustomerDraft& draft, DraftMode mode, const Customer& base,
                               const ValidationSettings& settings) {
    Customer out = base;
    if (mode == DraftMode::full) {
        out = Customer{};
        out.ulid = base.ulid;
    }
    FieldErrors errors;
    const auto as_name = [](bool blank_ok) { return [blank_ok](const std::string& v) { return rules::name(v, blank_ok); }; };

    check_field(draft.first_name, "first_name", mode, false, errors, as_name(false),
                [&](std::string v) { out.first_name = std::move(v); });
    check_field(draft.last_name, "last_name", mode, false, errors, as_name(false),
                [&](std::string v) { out.last_name = std::move(v); });
    check_field(draft.middle_name, "middle_name", mode, true, errors, as_name(true),
                [&](std::string v) { out.middle_name = std::move(v); });
    check_field(draft.nationality, "nationality", mode, false, errors,
                [](const std::string& v) { return rules::nationality(v); },
                [&](std::string v) { out.nationality = std::move(v); });
    check_field(draft.dob, "dob", mode, false, errors,
                [&](const std::string& v) { return rules::dob(v, settings.today); },
                [&](std::chrono::year_month_day v) { out.dob = v; });
    check_field(draft.email, "email", mode, false, errors, [](const std::string& v) { return rules::email(v); },
                [&](std::string v) { out.email = std::move(v); });
    check_field(draft.phone_number, "phone_number", mode, false, errors,
                [&](const std::string& v) { return rules::phone_number(v, settings.default_calling_code); },
                [&](std::string v) { out.phone_number = std::move(v); });

    return CheckedCustomer{std::move(out), std::move(errors)};
}

Result<Customer> validate_customer(const CustomerDraft& draft, DraftMode mode, const Customer& base,
                                   const ValidationSettings& settings) {
    auto checked = check_customer(draft, mode, base, settings);
    if (!checked.errors.empty()) return std::unexpected(Error::validation(std::move(checked.errors)));
    return std::move(checked.customer);
}

}  // namespace jambo::core
