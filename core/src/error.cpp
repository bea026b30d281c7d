#include <jambo/core/error.hpp>

#include <algorithm>
#include <cstdint>
#include <string>

namespace jambo::core {

std::string_view to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::validation: return "validation";
        case ErrorKind::bad_request: return "bad_request";
        case ErrorKind::unauthenticated: return "unauthenticated";
        case ErrorKind::forbidden: return "forbidden";
        case ErrorKind::not_found: return "not_found";
        case ErrorKind::gone: return "gone";
        case ErrorKind::rate_limited: return "rate_limited";
        case ErrorKind::unavailable: return "unavailable";
    }
    return "unknown";  // a value cast from outside the enumeration
}

Error Error::validation(FieldErrors fields) {
    return Error{ErrorKind::validation, "Invalid input.", std::move(fields), {}};
}
Error Error::bad_request(std::string message) { return Error{ErrorKind::bad_request, std::move(message), {}, {}}; }
Error Error::unauthenticated(std::string message) {
    return Error{ErrorKind::unauthenticated, std::move(message), {}, {}};
}
Error Error::forbidden() { return Error{ErrorKind::forbidden, messages::forbidden, {}, {}}; }
Error Error::not_found(std::string message) { return Error{ErrorKind::not_found, std::move(message), {}, {}}; }
Error Error::gone(std::string message) { return Error{ErrorKind::gone, std::move(message), {}, {}}; }
namespace {

// The wait in the body too: a client that shows a person the message rarely shows Retry-After.
std::string try_again_in(std::chrono::seconds wait) {
    const auto count = [](std::int64_t n, const char* unit) {
        return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
    };
    if (wait.count() < 60) return count(std::max<std::int64_t>(1, wait.count()), "second");
    return count((wait.count() + 59) / 60, "minute");
}

}  // namespace

Error Error::rate_limited(std::chrono::seconds retry_after) {
    return Error{ErrorKind::rate_limited, "Too many deletion requests; try again in " + try_again_in(retry_after) + ".",
                 {},
                 retry_after};
}
Error Error::unavailable(std::string message) { return Error{ErrorKind::unavailable, std::move(message), {}, {}}; }

}  // namespace jambo::core
