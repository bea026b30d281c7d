#include "outbox.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "tx_context.hpp"

#include <string_view>

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view enqueue_sql =
    "INSERT INTO outbox (customer, recipient, subject, body, created_at, next_attempt_at, attempts, "
    "last_error, expires_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
// Both selects read the columns read_message expects, in its order.
constexpr std::string_view due_sql =
    "SELECT id, customer, recipient, subject, body, created_at, next_attempt_at, attempts, last_error, expires_at "
    "FROM outbox WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2";
constexpr std::string_view queued_for_sql =
    "SELECT id, customer, recipient, subject, body, created_at, next_attempt_at, attempts, last_error, expires_at "
    "FROM outbox WHERE customer = ?1 ORDER BY id";
constexpr std::string_view reschedule_sql =
    "UPDATE outbox SET next_attempt_at = ?2, attempts = ?3, last_error = ?4 WHERE id = ?1";
constexpr std::string_view remove_sql = "DELETE FROM outbox WHERE id = ?1";
constexpr std::string_view depth_sql = "SELECT value FROM counters WHERE name = 'outbox'";
// min() over an indexed column reads one end of the index.
constexpr std::string_view oldest_sql = "SELECT min(created_at) FROM outbox";
constexpr std::string_view next_due_sql = "SELECT min(next_attempt_at) FROM outbox";

core::OutboxMessage read_message(const Query& query) {
    core::OutboxMessage message;
    message.id = query.integer(0);
    if (!query.is_null(1)) message.customer = ulid_from(query.text_view(1));
    message.recipient = query.text(2);
    message.subject = query.text(3);
    message.body = query.text(4);
    message.created_at = from_millis(query.integer(5));
    message.next_attempt_at = from_millis(query.integer(6));
    message.attempts = static_cast<std::uint32_t>(query.integer(7));
    message.last_error = query.text(8);
    if (!query.is_null(9)) message.expires_at = from_millis(query.integer(9));
    return message;
}

std::optional<core::TimePoint> optional_time(Connection& connection, std::string_view sql) {
    Query query(connection, sql);
    if (!query.step() || query.is_null(0)) return std::nullopt;
    return from_millis(query.integer(0));
}

}  // namespace

std::int64_t SqliteOutbox::enqueue(const core::OutboxMessage& message) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, enqueue_sql);
        if (message.customer) {
            query.bind_ulid(1, *message.customer);
        } else {
            query.bind_null(1);
        }
        query.bind_text(2, message.recipient)
            .bind_text(3, message.subject)
            .bind_text(4, message.body)
            .bind_int(5, to_millis(message.created_at))
            .bind_int(6, to_millis(message.next_attempt_at))
            .bind_int(7, message.attempts)
            .bind_text(8, message.last_error);
        if (message.expires_at) {
            query.bind_int(9, to_millis(*message.expires_at));
        } else {
            query.bind_null(9);
        }
        query.run();
        return connection.last_insert_id();
    });
}

std::vector<core::OutboxMessage> SqliteOutbox::due(core::TimePoint now, std::uint32_t limit) {
    return context_.run([&](Connection& connection) {
        Query query(connection, due_sql);
        query.bind_int(1, to_millis(now)).bind_int(2, limit);
        std::vector<core::OutboxMessage> messages;
        while (query.step()) messages.push_back(read_message(query));
        return messages;
    });
}

bool SqliteOutbox::reschedule(std::int64_t id, core::TimePoint next_attempt_at, std::uint32_t attempts,
                              const std::string& last_error) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, reschedule_sql);
        query.bind_int(1, id)
            .bind_int(2, to_millis(next_attempt_at))
            .bind_int(3, attempts)
            .bind_text(4, last_error);
        return query.run() > 0;
    });
}

bool SqliteOutbox::remove(std::int64_t id) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, remove_sql);
        query.bind_int(1, id);
        return query.run() > 0;
    });
}

std::vector<core::OutboxMessage> SqliteOutbox::queued_for(const core::Ulid& customer) {
    return context_.run([&](Connection& connection) {
        Query query(connection, queued_for_sql);
        query.bind_ulid(1, customer);
        std::vector<core::OutboxMessage> messages;
        while (query.step()) messages.push_back(read_message(query));
        return messages;
    });
}

std::uint64_t SqliteOutbox::depth() {
    return context_.run([](Connection& connection) {
        Query query(connection, depth_sql);
        return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
    });
}

std::optional<core::TimePoint> SqliteOutbox::oldest() {
    return context_.run([](Connection& connection) { return optional_time(connection, oldest_sql); });
}

std::optional<core::TimePoint> SqliteOutbox::next_due() {
    return context_.run([](Connection& connection) { return optional_time(connection, next_due_sql); });
}

}  // namespace jambo::sqlite::detail
