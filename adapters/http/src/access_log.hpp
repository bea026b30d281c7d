#pragma once
// The access log: one line per response, never a token, a query string or a body.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace jambo::http {

/// The path with every segment that could be a secret replaced by "[redacted]": the token of
/// a confirm link, and anything longer than a ULID (bearer tokens pasted into a path). The
/// query is dropped.
[[nodiscard]] std::string redact_path(std::string_view target);

struct AccessEntry {
    std::string_view method;
    std::string_view target;
    unsigned status = 0;
    std::size_t bytes = 0;
    std::chrono::microseconds duration{0};
    std::string_view request_id;
};

/// `GET /api/status 200 25B 120us id=...`, or with `json` the fields of a JSON object
/// (without braces; the JSON log formatter wraps them with time and level).
[[nodiscard]] std::string format_access(const AccessEntry& entry, bool json);

}  // namespace jambo::http

namespace spdlog {
class logger;
}

namespace jambo::http {

void log_access(spdlog::logger& logger, const AccessEntry& entry, bool json);

}  // namespace jambo::http
