#pragma once
/// The closed set of outcomes a use case can refuse with, and Result<T>.

#include <chrono>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::core {

/// What kind of refusal; the HTTP adapter maps each to exactly one status code.
enum class ErrorKind {
    validation,       ///< 400, field -> messages
    bad_request,      ///< 400, one message
    unauthenticated,  ///< 401
    forbidden,        ///< 403
    not_found,        ///< 404
    gone,             ///< 410
    rate_limited,     ///< 429, with retry_after
    unavailable,      ///< 503: the store cannot answer now (busy, disk full, read-only, I/O error, cannot open)
};

/// The enumerator's name ("not_found"), for an embedder's logs and metrics.
[[nodiscard]] std::string_view to_string(ErrorKind kind);

/// What is wrong with one field, one sentence per broken rule.
using Messages = std::vector<std::string>;

/// Field name -> messages, ordered by field name for stable output.
using FieldErrors = std::map<std::string, Messages>;

struct Error {
    ErrorKind kind;
    std::string message;  ///< the envelope's `body` for every kind but validation
    FieldErrors fields;   ///< only for validation
    std::chrono::seconds retry_after{0};  ///< only for rate_limited

    static Error validation(FieldErrors fields);
    static Error bad_request(std::string message);
    static Error unauthenticated(std::string message);
    static Error forbidden();
    static Error not_found(std::string message = "Not found.");
    static Error gone(std::string message);
    static Error rate_limited(std::chrono::seconds retry_after);
    static Error unavailable(std::string message);
};

template <typename T>
using Result = std::expected<T, Error>;

/// The contract's fixed wordings, kept in one place so adapters and tests agree.
namespace messages {
inline constexpr auto not_provided = "Authentication credentials were not provided.";
inline constexpr auto invalid_token = "Invalid token.";
inline constexpr auto forbidden = "You do not have permission to perform this action.";
inline constexpr auto not_found = "Not found.";
inline constexpr auto invalid_page = "Invalid page.";
inline constexpr auto customer_invalid = "Customer Not Found or is Invalid";
inline constexpr auto origin_not_allowed = "Origin not allowed.";
inline constexpr auto deletion_link_sent = "Data deletion link sent successfully";
inline constexpr auto customer_deleted = "Customer deleted successfully";
inline constexpr auto no_token_matches = "No Token matches the given query.";
inline constexpr auto link_expired = "This deletion link has expired; request a new one.";
/// For a rate_limited Error made without its message; Error::rate_limited says how long to wait.
inline constexpr auto too_many_requests = "Too many deletion requests; try again later.";
inline constexpr auto required = "This field is required.";
inline constexpr auto blank = "This field may not be blank.";
inline constexpr auto null = "This field may not be null.";
inline constexpr auto not_a_string = "Not a valid string.";
inline constexpr auto invalid_utf8 = "Enter valid UTF-8 text.";
inline constexpr auto control_characters = "This field may not contain control characters.";
inline constexpr auto too_long_255 = "Ensure this field has no more than 255 characters.";
inline constexpr auto too_long_254 = "Ensure this field has no more than 254 characters.";
inline constexpr auto invalid_email = "Enter a valid email address.";
inline constexpr auto null_characters = "Null characters are not allowed.";
inline constexpr auto bad_date = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
inline constexpr auto future_date = "Date of birth cannot be in the future.";
inline constexpr auto date_before_1900 = "Date of birth cannot be before 1900-01-01.";
inline constexpr auto invalid_phone = "Enter a valid phone number (10 to 15 digits).";
inline constexpr auto duplicate_email = "customer with this Email already exists.";
inline constexpr auto duplicate_phone = "customer with this Phone Number already exists.";
inline constexpr auto duplicate_staff_email = "staff account with this Email already exists.";
}  // namespace messages

}  // namespace jambo::core
