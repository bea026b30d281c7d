#include "audit_log.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "tx_context.hpp"

#include <string_view>

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view append_sql =
    "INSERT INTO audit_log (at, event, subject, detail) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view latest_sql =
    "SELECT id, at, event, subject, detail FROM audit_log ORDER BY id DESC LIMIT ?1";
constexpr std::string_view entries_sql =
    "SELECT id, at, event, subject, detail FROM audit_log WHERE event = ?1 AND at >= ?2 ORDER BY id";

core::AuditEntry read_entry(const Query& query) {
    return core::AuditEntry{query.integer(0), from_millis(query.integer(1)), query.text(2), query.text(3),
                            query.text(4)};
}

}  // namespace

std::int64_t SqliteAuditLog::append(const core::AuditEntry& entry) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, append_sql);
        query.bind_int(1, to_millis(entry.at))
            .bind_text(2, entry.event)
            .bind_text(3, entry.subject)
            .bind_text(4, entry.detail);
        query.run();
        return connection.last_insert_id();
    });
}

std::vector<core::AuditEntry> SqliteAuditLog::latest(std::uint32_t limit) {
    return context_.run([&](Connection& connection) {
        Query query(connection, latest_sql);
        query.bind_int(1, limit);
        std::vector<core::AuditEntry> entries;
        while (query.step()) entries.push_back(read_entry(query));
        return entries;
    });
}

std::vector<core::AuditEntry> SqliteAuditLog::entries_of(std::string_view event, core::TimePoint since) {
    return context_.run([&](Connection& connection) {
        Query query(connection, entries_sql);
        query.bind_text(1, std::string(event)).bind_int(2, to_millis(since));
        std::vector<core::AuditEntry> entries;
        while (query.step()) entries.push_back(read_entry(query));
        return entries;
    });
}

}  // namespace jambo::sqlite::detail
