#include "unit_support.hpp"

#include <jambo/core/error.hpp>

using namespace jambo::core;

TEST_CASE("the fixed wordings are the contract's", "[core][error]") {
    CHECK(std::string{messages::not_provided} == "Authentication credentials were not provided.");
    CHECK(std::string{messages::invalid_token} == "Invalid token.");
    CHECK(std::string{messages::forbidden} == "You do not have permission to perform this action.");
    CHECK(std::string{messages::invalid_page} == "Invalid page.");
    CHECK(std::string{messages::customer_invalid} == "Customer Not Found or is Invalid");
    CHECK(std::string{messages::no_token_matches} == "No Token matches the given query.");
    CHECK(std::string{messages::link_expired} == "This deletion link has expired; request a new one.");
    CHECK(std::string{messages::required} == "This field is required.");
    CHECK(std::string{messages::blank} == "This field may not be blank.");
    CHECK(std::string{messages::null} == "This field may not be null.");
    CHECK(std::string{messages::not_a_string} == "Not a valid string.");
    CHECK(std::string{messages::too_long_255} == "Ensure this field has no more than 255 characters.");
    CHECK(std::string{messages::invalid_email} == "Enter a valid email address.");
    CHECK(std::string{messages::bad_date} ==
          "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
    CHECK(std::string{messages::future_date} == "Date of birth cannot be in the future.");
    CHECK(std::string{messages::invalid_phone} == "Enter a valid phone number (10 to 15 digits).");
    CHECK(std::string{messages::duplicate_email} == "customer with this Email already exists.");
    CHECK(std::string{messages::duplicate_phone} == "customer with this Phone Number already exists.");
}

TEST_CASE("a forbidden error carries the permission message", "[core][error]") {
    const auto e = Error::forbidden();
    CHECK(e.kind == ErrorKind::forbidden);
    CHECK(e.message == messages::forbidden);
}

TEST_CASE("a not-found error says Not found. unless told otherwise", "[core][error]") {
    CHECK(Error::not_found().message == messages::not_found);
    CHECK(Error::not_found(messages::invalid_page).message == messages::invalid_page);
}

TEST_CASE("a rate-limited error carries its retry-after", "[core][error]") {
    const auto e = Error::rate_limited(std::chrono::seconds{42});
    CHECK(e.kind == ErrorKind::rate_limited);
    CHECK(e.retry_after == std::chrono::seconds{42});
}

TEST_CASE("each error kind has its enumerator's name for logs", "[core][error]") {
    CHECK(to_string(ErrorKind::validation) == "validation");
    CHECK(to_string(ErrorKind::bad_request) == "bad_request");
    CHECK(to_string(ErrorKind::unauthenticated) == "unauthenticated");
    CHECK(to_string(ErrorKind::forbidden) == "forbidden");
    CHECK(to_string(ErrorKind::not_found) == "not_found");
    CHECK(to_string(ErrorKind::gone) == "gone");
    CHECK(to_string(ErrorKind::rate_limited) == "rate_limited");
    CHECK(to_string(ErrorKind::unavailable) == "unavailable");
}
