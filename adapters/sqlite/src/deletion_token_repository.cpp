#include "deletion_token_repository.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "tx_context.hpp"

#include <string_view>

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view insert_sql =
    "INSERT INTO deletion_tokens (hash, customer, email_digest, created_at, expires_at, used) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view find_sql =
    "SELECT customer, email_digest, created_at, expires_at, used FROM deletion_tokens WHERE hash = ?1";
// Write transactions are serialised (BEGIN IMMEDIATE), so of two confirmations the second
// sees used = 1 and changes nothing.
constexpr std::string_view consume_sql = "UPDATE deletion_tokens SET used = 1 WHERE hash = ?1 AND used = 0";
constexpr std::string_view issued_since_sql =
    "SELECT created_at FROM deletion_tokens WHERE customer = ?1 AND created_at >= ?2 ORDER BY created_at";
constexpr std::string_view purge_sql = "DELETE FROM deletion_tokens WHERE expires_at < ?1";

}  // namespace

void SqliteDeletionTokenRepository::insert(const core::DeletionTokenRecord& record) {
    context_.run_write([&](Connection& connection) {
        Query query(connection, insert_sql);
        query.bind_blob(1, record.hash)
            .bind_ulid(2, record.customer)
            .bind_blob(3, record.email_digest)
            .bind_int(4, to_millis(record.created_at))
            .bind_int(5, to_millis(record.expires_at))
            .bind_int(6, record.used ? 1 : 0);
        query.run();
    });
}

std::optional<core::DeletionTokenRecord> SqliteDeletionTokenRepository::find(const core::TokenHash& hash) {
    return context_.run([&](Connection& connection) -> std::optional<core::DeletionTokenRecord> {
        Query query(connection, find_sql);
        query.bind_blob(1, hash);
        if (!query.step()) return std::nullopt;
        return core::DeletionTokenRecord{hash,
                                         ulid_from(query.text_view(0)),
                                         hash_from(query.blob(1)),
                                         from_millis(query.integer(2)),
                                         from_millis(query.integer(3)),
                                         query.integer(4) != 0};
    });
}

bool SqliteDeletionTokenRepository::consume(const core::TokenHash& hash) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, consume_sql);
        query.bind_blob(1, hash);
        return query.run() > 0;
    });
}

std::vector<core::TimePoint> SqliteDeletionTokenRepository::issued_since(const core::Ulid& customer,
                                                                         core::TimePoint since) {
    return context_.run([&](Connection& connection) {
        Query query(connection, issued_since_sql);
        query.bind_ulid(1, customer).bind_int(2, to_millis(since));
        std::vector<core::TimePoint> times;
        while (query.step()) times.push_back(from_millis(query.integer(0)));
        return times;
    });
}

std::uint64_t SqliteDeletionTokenRepository::purge_expired(core::TimePoint cutoff) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, purge_sql);
        query.bind_int(1, to_millis(cutoff));
        return static_cast<std::uint64_t>(query.run());
    });
}

}  // namespace jambo::sqlite::detail
