#include "access_log.hpp"

#include "json_writer.hpp"

#include <jambo/core/ulid.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace jambo::http {

namespace {

constexpr std::size_t longest_word = 16;  // "nationalities", "openapi.json"
constexpr std::size_t longest_logged_path = 256;
constexpr std::string_view redacted = "[redacted]";

std::string_view printable_method(std::string_view method) {
    bool plain = !method.empty() && method.size() <= 16 &&
                 std::ranges::all_of(method, [](char c) { return c >= 'A' && c <= 'Z'; });
    return plain ? method : std::string_view("-");
}

// The segment that starts at `start` (up to the next '/'), and where the one after it starts
// (npos after the last).
std::pair<std::string_view, std::size_t> segment_at(std::string_view path, std::size_t start) {
    const auto slash = path.find('/', start);
    if (slash == std::string_view::npos) return {path.substr(start), std::string_view::npos};
    return {path.substr(start, slash - start), slash + 1};
}

void append_number(std::string& out, std::uint64_t value) {
    std::array<char, 24> digits{};
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
    out.append(digits.data(), end);
}

// A segment the log may show: a word of the API's paths (lower-case letters and dots) or a
// ULID. Anything else could be a secret, or a piece of one split across segments, and is
// redacted; so are characters that would make the line ambiguous.
bool is_plain_segment(std::string_view segment) {
    if (segment.size() == 26 && core::Ulid::parse(segment)) return true;
    return segment.size() <= longest_word &&
           std::ranges::all_of(segment, [](char c) { return (c >= 'a' && c <= 'z') || c == '.'; });
}

// Appends the redacted path; it is written once per request, so no temporary containers.
void append_redacted_path(std::string& out, std::string_view target) {
    if (target.empty()) {  // a request refused before its request line was parsed
        out += '-';
        return;
    }
    const auto path = target.substr(0, target.find('?'));
    const auto from = out.size();
    for (std::size_t start = 0; start != std::string_view::npos;) {
        const auto [segment, next] = segment_at(path, start);
        bool before_confirm = false;
        if (next != std::string_view::npos) {
            const auto [second, after] = segment_at(path, next);
            before_confirm = second == "delete" && after != std::string_view::npos &&
                             segment_at(path, after).first.starts_with("confirm");
        }
        if (start != 0) out += '/';
        out += before_confirm || !is_plain_segment(segment) ? redacted : segment;
        start = next;
        if (out.size() - from >= longest_logged_path) break;
    }
    if (out.size() - from > longest_logged_path) out.resize(from + longest_logged_path);
}

void append_access(std::string& out, const AccessEntry& entry, bool json) {
    auto method = printable_method(entry.method);
    if (json) {
        out += R"("event":"access","method":)";
        append_json_string(out, method);
        out += R"(,"path":)";
        std::string path;
        append_redacted_path(path, entry.target);
        append_json_string(out, path);
        out += R"(,"status":)";
        append_number(out, entry.status);
        out += R"(,"bytes":)";
        append_number(out, entry.bytes);
        out += R"(,"us":)";
        append_number(out, static_cast<std::uint64_t>(std::max<std::int64_t>(0, entry.duration.count())));
        out += R"(,"request_id":)";
        append_json_string(out, entry.request_id);
    } else {
        out += method;
        out += ' ';
        append_redacted_path(out, entry.target);
        out += ' ';
        append_number(out, entry.status);
        out += ' ';
        append_number(out, entry.bytes);
        out += "B ";
        append_number(out, static_cast<std::uint64_t>(std::max<std::int64_t>(0, entry.duration.count())));
        out += "us id=";
        out += entry.request_id;
    }
}

}  // namespace

std::string redact_path(std::string_view target) {
    std::string out;
    append_redacted_path(out, target);
    return out;
}

std::string format_access(const AccessEntry& entry, bool json) {
    std::string out;
    out.reserve(160);
    append_access(out, entry, json);
    return out;
}

void log_access(spdlog::logger& logger, const AccessEntry& entry, bool json) {
    if (!logger.should_log(spdlog::level::info)) return;
    // One line per request: a buffer per thread instead of an allocation per line.
    thread_local std::string line;
    line.clear();
    append_access(line, entry, json);
    logger.log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace jambo::http
