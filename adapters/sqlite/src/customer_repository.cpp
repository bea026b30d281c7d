#include "customer_repository.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "tx_context.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

namespace jambo::sqlite::detail {

namespace {

using core::Customer;

constexpr std::string_view find_sql =
    "SELECT ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number "
    "FROM customers WHERE ulid = ?1";
constexpr std::string_view email_taken_sql = "SELECT 1 FROM customers WHERE email = ?1 AND ulid IS NOT ?2";
constexpr std::string_view phone_taken_sql =
    "SELECT 1 FROM customers WHERE phone_number = ?1 AND ulid IS NOT ?2";
constexpr std::string_view insert_sql =
    "INSERT INTO customers (ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view update_sql =
    "UPDATE customers SET first_name = ?2, last_name = ?3, middle_name = ?4, nationality = ?5, dob = ?6, "
    "email = ?7, phone_number = ?8 WHERE ulid = ?1";
constexpr std::string_view remove_sql = "DELETE FROM customers WHERE ulid = ?1";
constexpr std::string_view count_sql = "SELECT value FROM counters WHERE name = 'customers'";
constexpr std::string_view chunks_sql = "SELECT first_ulid, size FROM customer_chunks ORDER BY first_ulid";
constexpr std::string_view chunks_backwards_sql =
    "SELECT first_ulid, size FROM customer_chunks ORDER BY first_ulid DESC";
constexpr std::string_view page_from_sql =
    "SELECT ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number "
    "FROM customers WHERE ulid >= ?1 ORDER BY ulid LIMIT ?2 OFFSET ?3";
constexpr std::string_view after_sql =
    "SELECT ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number "
    "FROM customers WHERE ulid > ?1 ORDER BY ulid LIMIT ?2";

void bind_customer(Query& query, const Customer& customer) {
    query.bind_text(1, customer.ulid.to_string())
        .bind_text(2, customer.first_name)
        .bind_text(3, customer.last_name)
        .bind_text(4, customer.middle_name)
        .bind_text(5, customer.nationality)
        .bind_text(6, customer.dob_text())
        .bind_text(7, customer.email)
        .bind_text(8, customer.phone_number);
}

Customer read_customer(const Query& query) {
    return Customer{ulid_from(query.text(0)), query.text(1), query.text(2), query.text(3), query.text(4),
                    date_from(query.text(5)), query.text(6), query.text(7)};
}

std::vector<Customer> read_all(Query& query, std::uint32_t expected) {
    std::vector<Customer> customers;
    customers.reserve(std::min<std::uint32_t>(expected, 128));
    while (query.step()) customers.push_back(read_customer(query));
    return customers;
}

// SQLite names the columns of the unique index that rejected the row.
std::optional<core::UniqueField> collided_field(const SQLite::Exception& error) {
    if (error.getExtendedErrorCode() != SQLITE_CONSTRAINT_UNIQUE) return std::nullopt;
    const std::string_view message = error.what();
    if (message.find("customers.email") != std::string_view::npos) return core::UniqueField::email;
    if (message.find("customers.phone_number") != std::string_view::npos)
        return core::UniqueField::phone_number;
    return std::nullopt;
}

std::expected<void, core::UniqueField> write_customer(Connection& connection, std::string_view sql,
                                                      const Customer& customer) {
    Query query(connection, sql);
    bind_customer(query, customer);
    try {
        query.run();
        return {};
    } catch (const SQLite::Exception& error) {
        if (auto field = collided_field(error)) return std::unexpected(*field);
        throw;
    }
}

bool taken(Connection& connection, std::string_view sql, const std::string& value,
           const std::optional<core::Ulid>& except) {
    Query query(connection, sql);
    query.bind_text(1, value);
    if (except) {
        query.bind_text(2, except->to_string());
    } else {
        query.bind_null(2);
    }
    return query.step();
}

std::uint64_t stored_count(Connection& connection) {
    Query query(connection, count_sql);
    return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
}

// A position in ulid order as the run that holds it (its first ulid) and how many of the
// run's customers precede it.
using RunPosition = std::pair<std::string, std::int64_t>;

std::optional<RunPosition> walk_from_front(Connection& connection, std::uint64_t offset) {
    Query runs(connection, chunks_sql);
    for (std::uint64_t before = 0; runs.step();) {
        const auto size = static_cast<std::uint64_t>(runs.integer(1));
        if (offset < before + size)
            return RunPosition{runs.text(0), static_cast<std::int64_t>(offset - before)};
        before += size;
    }
    return std::nullopt;
}

std::optional<RunPosition> walk_from_back(Connection& connection, std::uint64_t offset, std::uint64_t total) {
    Query runs(connection, chunks_backwards_sql);
    for (std::uint64_t end = total; runs.step();) {
        const auto size = static_cast<std::uint64_t>(runs.integer(1));
        if (offset + size >= end)
            return RunPosition{runs.text(0), static_cast<std::int64_t>(offset + size - end)};
        end -= size;
    }
    return std::nullopt;
}

// Adds run sizes from the nearer end of the table, so finding any offset reads at most half
// the runs (about count/2048 small rows) instead of stepping over `offset` customers.
std::optional<RunPosition> locate(Connection& connection, std::uint64_t offset) {
    const std::uint64_t total = stored_count(connection);
    if (offset >= total) return std::nullopt;
    return offset < total / 2 ? walk_from_front(connection, offset)
                              : walk_from_back(connection, offset, total);
}

}  // namespace

std::optional<Customer> SqliteCustomerRepository::find(const core::Ulid& ulid) {
    return context_.run([&](Connection& connection) -> std::optional<Customer> {
        Query query(connection, find_sql);
        query.bind_text(1, ulid.to_string());
        if (!query.step()) return std::nullopt;
        return read_customer(query);
    });
}

bool SqliteCustomerRepository::email_taken(const std::string& email_key,
                                           const std::optional<core::Ulid>& except) {
    return context_.run(
        [&](Connection& connection) { return taken(connection, email_taken_sql, email_key, except); });
}

bool SqliteCustomerRepository::phone_taken(const std::string& phone,
                                           const std::optional<core::Ulid>& except) {
    return context_.run(
        [&](Connection& connection) { return taken(connection, phone_taken_sql, phone, except); });
}

std::expected<void, core::UniqueField> SqliteCustomerRepository::insert(const Customer& customer) {
    return context_.run_write(
        [&](Connection& connection) { return write_customer(connection, insert_sql, customer); });
}

std::expected<void, core::UniqueField> SqliteCustomerRepository::update(const Customer& customer) {
    return context_.run_write(
        [&](Connection& connection) { return write_customer(connection, update_sql, customer); });
}

bool SqliteCustomerRepository::remove(const core::Ulid& ulid) {
    return context_.run_write([&](Connection& connection) {
        Query query(connection, remove_sql);
        query.bind_text(1, ulid.to_string());
        return query.run() > 0;
    });
}

std::uint64_t SqliteCustomerRepository::count() {
    return context_.run([](Connection& connection) { return stored_count(connection); });
}

std::vector<Customer> SqliteCustomerRepository::page(std::uint64_t offset, std::uint32_t limit) {
    return context_.run([&](Connection& connection) -> std::vector<Customer> {
        if (limit == 0) return {};
        const auto start = locate(connection, offset);
        if (!start) return {};
        Query query(connection, page_from_sql);
        query.bind_text(1, start->first).bind_int(2, limit).bind_int(3, start->second);
        return read_all(query, limit);
    });
}

std::vector<Customer> SqliteCustomerRepository::after(const core::Ulid& after, std::uint32_t limit) {
    return context_.run([&](Connection& connection) {
        Query query(connection, after_sql);
        query.bind_text(1, after.to_string()).bind_int(2, limit);
        return read_all(query, limit);
    });
}

}  // namespace jambo::sqlite::detail
