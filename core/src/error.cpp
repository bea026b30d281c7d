#include <jambo/core/error.hpp>

namespace jambo::core {

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
Error Error::rate_limited(std::chrono::seconds retry_after) {
    return Error{ErrorKind::rate_limited, messages::too_many_requests, {}, retry_after};
}
Error Error::unavailable(std::string message) { return Error{ErrorKind::unavailable, std::move(message), {}, {}}; }

}  // namespace jambo::core
