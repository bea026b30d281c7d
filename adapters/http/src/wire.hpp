#pragma once
// Writing a Response onto the wire. Kept apart from the socket code so it is tested without
// one, and so every response is framed the same way.

#include <jambo/http/message.hpp>

#include <string>
#include <string_view>

namespace jambo::http {

[[nodiscard]] std::string_view reason_phrase(unsigned status);

struct Framing {
    bool keep_alive = true;
    bool head = false;      ///< HEAD: headers as for GET, no body
    unsigned version = 11;  ///< the request's; an HTTP/1.0 keep-alive must be confirmed
};

/// Appends the status line, the response's headers, Date, Content-Length and Connection, and
/// the body, to `out` (a buffer the connection reuses).
void serialize(const Response& response, const Framing& framing, std::string& out);

/// The current time as an HTTP date, refreshed at most once a second per thread.
[[nodiscard]] std::string_view http_date();

}  // namespace jambo::http
