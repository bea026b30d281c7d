#include "access_log.hpp"

#include "json_writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace jambo::http {

namespace {

constexpr std::size_t longest_plain_segment = 26;  // a ULID
constexpr std::size_t longest_logged_path = 256;
constexpr std::string_view redacted = "[redacted]";

std::string_view printable_method(std::string_view method) {
    bool plain = !method.empty() && method.size() <= 16 &&
                 std::ranges::all_of(method, [](char c) { return c >= 'A' && c <= 'Z'; });
    return plain ? method : std::string_view("-");
}

}  // namespace

std::string redact_path(std::string_view target) {
    auto path = target.substr(0, target.find('?'));
    std::vector<std::string_view> segments;
    for (std::size_t start = 0;;) {
        auto slash = path.find('/', start);
        segments.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        bool before_confirm = i + 2 < segments.size() && segments[i + 1] == "delete" && segments[i + 2].starts_with("confirm");
        if (before_confirm || segments[i].size() > longest_plain_segment) segments[i] = redacted;
    }
    std::string out;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) out += '/';
        out += segments[i];
    }
    if (out.size() > longest_logged_path) out.resize(longest_logged_path);
    // Anything but printable ASCII would make the line ambiguous or unreadable.
    for (auto& c : out) {
        if (c < 0x21 || c > 0x7e) c = '?';
    }
    return out;
}

std::string format_access(const AccessEntry& entry, bool json) {
    auto path = redact_path(entry.target);
    auto method = printable_method(entry.method);
    std::string out;
    out.reserve(160);
    if (json) {
        out += R"("event":"access","method":)";
        append_json_string(out, method);
        out += R"(,"path":)";
        append_json_string(out, path);
        out += R"(,"status":)" + std::to_string(entry.status);
        out += R"(,"bytes":)" + std::to_string(entry.bytes);
        out += R"(,"us":)" + std::to_string(entry.duration.count());
        out += R"(,"request_id":)";
        append_json_string(out, entry.request_id);
    } else {
        out += method;
        out += ' ';
        out += path;
        out += ' ' + std::to_string(entry.status);
        out += ' ' + std::to_string(entry.bytes) + 'B';
        out += ' ' + std::to_string(entry.duration.count()) + "us";
        out += " id=";
        out += entry.request_id;
    }
    return out;
}

void log_access(spdlog::logger& logger, const AccessEntry& entry, bool json) {
    if (!logger.should_log(spdlog::level::info)) return;
    logger.info(format_access(entry, json));
}

}  // namespace jambo::http
