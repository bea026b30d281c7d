#pragma once
/// The customer record, the raw input it is built from, and the validation rules of the
/// contract's section 2.

#include <jambo/core/error.hpp>
#include <jambo/core/ulid.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace jambo::core {

/// One field as a client sent it. Adapters decode bodies into these without judging them;
/// the core decides what is acceptable and says why not.
class RawField {
public:
    enum class Kind { null, text, not_text };

    [[nodiscard]] static RawField null() { return RawField{Kind::null, {}}; }
    [[nodiscard]] static RawField text(std::string value) { return RawField{Kind::text, std::move(value)}; }
    /// A number, boolean, array or object: never accepted as a string.
    [[nodiscard]] static RawField not_text() { return RawField{Kind::not_text, {}}; }

    [[nodiscard]] Kind kind() const { return kind_; }
    [[nodiscard]] const std::string& value() const { return value_; }

private:
    RawField(Kind kind, std::string value) : kind_(kind), value_(std::move(value)) {}
    Kind kind_;
    std::string value_;
};

/// Unvalidated input: an absent field is std::nullopt. Unknown fields never get here.
struct CustomerDraft {
    std::optional<RawField> first_name = std::nullopt;
    std::optional<RawField> last_name = std::nullopt;
    std::optional<RawField> middle_name = std::nullopt;
    std::optional<RawField> nationality = std::nullopt;
    std::optional<RawField> dob = std::nullopt;
    std::optional<RawField> email = std::nullopt;
    std::optional<RawField> phone_number = std::nullopt;
};

/// A validated, normalised customer. Fields in the seed's output order.
struct Customer {
    Ulid ulid;
    std::string first_name;
    std::string last_name;
    std::string middle_name;        ///< "" when absent
    std::string nationality;        ///< ISO 3166-1 alpha-2
    std::chrono::year_month_day dob;
    std::string email;              ///< local part as given, domain lower-cased
    std::string phone_number;       ///< digits only, with calling code

    /// The key uniqueness is decided on: the whole address lower-cased.
    [[nodiscard]] std::string email_key() const;
    /// The English display name of `nationality`.
    [[nodiscard]] std::string_view nationality_name() const;
    /// dob as YYYY-MM-DD.
    [[nodiscard]] std::string dob_text() const;

    friend bool operator==(const Customer&, const Customer&) = default;
};

/// Whether absent fields are "required" (create, PUT) or "keep the current value" (PATCH).
enum class DraftMode { full, partial };

struct ValidationSettings {
    std::string default_calling_code = "254";
    /// What "not in the future" is judged against: set it (the services use their Clock).
    std::chrono::year_month_day today{};
};

/// What validation made of a draft: each field that passed its rule, normalised, and the
/// messages of each field that did not. `customer` is whole only when `errors` is empty.
struct CheckedCustomer {
    Customer customer;
    FieldErrors errors;
};

/// Checks every field at once. In partial mode `base` supplies the fields the draft lacks;
/// in full mode `base` only supplies the ulid.
[[nodiscard]] CheckedCustomer check_customer(const CustomerDraft& draft, DraftMode mode, const Customer& base,
                                             const ValidationSettings& settings);

/// check_customer, as a Result. Errors: validation, with every bad field.
[[nodiscard]] Result<Customer> validate_customer(const CustomerDraft& draft, DraftMode mode,
                                                 const Customer& base,
                                                 const ValidationSettings& settings);

/// The individual normalisation rules, exposed for reuse and for focused tests.
/// Each returns the normalised value, or what is wrong with it as DRF would say it: where
/// DRF runs several validators on a value (a length limit, then the format), every one that
/// fails has its message, in DRF's order.
namespace rules {
[[nodiscard]] std::expected<std::string, Messages> name(std::string_view raw, bool may_be_blank);
[[nodiscard]] std::expected<std::string, Messages> email(std::string_view raw);
[[nodiscard]] std::expected<std::string, Messages> nationality(std::string_view raw);
[[nodiscard]] std::expected<std::chrono::year_month_day, Messages> dob(std::string_view raw,
                                                                       std::chrono::year_month_day today);
[[nodiscard]] std::expected<std::string, Messages> phone_number(std::string_view raw, std::string_view calling_code);
/// Parses YYYY-MM-DD strictly into a real calendar date.
[[nodiscard]] std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
}  // namespace rules

/// UTF-8 helpers the rules are built from.
[[nodiscard]] bool is_valid_utf8(std::string_view text);
/// How many leading bytes of `text` are valid UTF-8: where the first bad sequence starts.
[[nodiscard]] std::size_t valid_utf8_prefix(std::string_view text);
/// Number of code points of valid UTF-8 text.
[[nodiscard]] std::size_t code_point_count(std::string_view text);
/// Strips Unicode White_Space from both ends of valid UTF-8 text (as Python's str.strip()).
[[nodiscard]] std::string_view trim(std::string_view text);
/// trim(), and invisible characters at either end too (zero-width spaces and joiners, a
/// byte-order mark, fillers): a name made only of them looks blank, and is.
[[nodiscard]] std::string_view trim_name(std::string_view text);

}  // namespace jambo::core
