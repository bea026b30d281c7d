#include "customer_repository.hpp"

#include "codec.hpp"
#include "connection.hpp"
#include "tx_context.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
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
// A run is one row of customer_chunks: a stretch of the ulid order and how many customers it
// holds (schema.cpp), which page numbers are counted over.
constexpr std::string_view runs_sql = "SELECT first_ulid, size FROM customer_chunks ORDER BY first_ulid";
constexpr std::string_view runs_backwards_sql =
    "SELECT first_ulid, size FROM customer_chunks ORDER BY first_ulid DESC";
constexpr std::string_view page_from_sql =
    "SELECT ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number "
    "FROM customers WHERE ulid >= ?1 ORDER BY ulid LIMIT ?2 OFFSET ?3";
// Page-number paging inside a write whose inserts are not yet counted in the runs (see
// count_inserted): exact, at the cost of stepping over `offset` rows.
constexpr std::string_view page_by_offset_sql =
    "SELECT ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number "
    "FROM customers ORDER BY ulid LIMIT ?1 OFFSET ?2";
constexpr std::string_view after_sql =
    "SELECT ulid, first_name, last_name, middle_name, nationality, dob, email, phone_number "
    "FROM customers WHERE ulid > ?1 ORDER BY ulid LIMIT ?2";
constexpr std::string_view count_add_sql = "UPDATE counters SET value = value + ?1 WHERE name = 'customers'";
constexpr std::string_view run_of_sql =
    "SELECT first_ulid, size FROM customer_chunks WHERE first_ulid <= ?1 ORDER BY first_ulid DESC LIMIT 1";
constexpr std::string_view run_before_sql =
    "SELECT first_ulid, size FROM customer_chunks WHERE first_ulid < ?1 ORDER BY first_ulid DESC LIMIT 1";
constexpr std::string_view run_after_exists_sql = "SELECT 1 FROM customer_chunks WHERE first_ulid > ?1 LIMIT 1";
constexpr std::string_view next_run_sql =
    "SELECT first_ulid FROM customer_chunks WHERE first_ulid > ?1 ORDER BY first_ulid LIMIT 1";
constexpr std::string_view run_resize_sql = "UPDATE customer_chunks SET size = ?2 WHERE first_ulid = ?1";
constexpr std::string_view run_insert_sql = "INSERT INTO customer_chunks (first_ulid, size) VALUES (?1, ?2)";
constexpr std::string_view run_delete_sql = "DELETE FROM customer_chunks WHERE first_ulid = ?1";
constexpr std::string_view nth_from_sql = "SELECT ulid FROM customers WHERE ulid >= ?1 ORDER BY ulid LIMIT 1 OFFSET ?2";

// The runs behind page(): see schema.cpp. A run that grows past max_run splits; one that
// shrinks below min_run joins the run before it (the sentinel run, first ulid '', stays).
constexpr std::int64_t max_run = 1024;
constexpr std::int64_t min_run = 64;

void bind_customer(Query& query, const Customer& customer) {
    query.bind_ulid(1, customer.ulid)
        .bind_text(2, customer.first_name)
        .bind_text(3, customer.last_name)
        .bind_text(4, customer.middle_name)
        .bind_text(5, customer.nationality)
        .bind_text(6, customer.dob_text())
        .bind_text(7, customer.email)
        .bind_text(8, customer.phone_number);
}

Customer read_customer(const Query& query) {
    return Customer{ulid_from(query.text_view(0)), query.text(1), query.text(2), query.text(3), query.text(4),
                    date_from(query.text_view(5)), query.text(6), query.text(7)};
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

struct Run {
    std::string first;
    std::int64_t size = 0;
};

std::optional<Run> run_at(Connection& connection, std::string_view sql, const std::string& ulid) {
    Query query(connection, sql);
    query.bind_text(1, ulid);
    if (!query.step()) return std::nullopt;
    return Run{query.text(0), query.integer(1)};
}

void add_to_count(Connection& connection, std::int64_t delta) { Query(connection, count_add_sql).bind_int(1, delta).run(); }

// Sets a run's size; past max_run it splits. The last run keeps max_run and the new run after
// it starts with the rest, so appends (new ulids sort last) leave full runs behind; any other
// run keeps half.
void resize_run(Connection& connection, const std::string& first, std::int64_t size) {
    if (size <= max_run) {
        Query(connection, run_resize_sql).bind_text(1, first).bind_int(2, size).run();
        return;
    }
    bool last = true;
    {
        Query later(connection, run_after_exists_sql);
        later.bind_text(1, first);
        last = !later.step();
    }
    const std::int64_t keep = last ? max_run : max_run / 2;
    std::string split_at;
    {
        Query nth(connection, nth_from_sql);
        nth.bind_text(1, first).bind_int(2, keep);
        if (!nth.step()) throw std::runtime_error("customer runs disagree with the customers table");
        split_at = nth.text(0);
    }
    Query(connection, run_insert_sql).bind_text(1, split_at).bind_int(2, size - keep).run();
    Query(connection, run_resize_sql).bind_text(1, first).bind_int(2, keep).run();
    // A batch can add more than a run holds at once.
    if (size - keep > max_run) resize_run(connection, split_at, size - keep);
}

// Every run but the sentinel ('') starts at a customer's ulid.
std::optional<core::Ulid> next_run(Connection& connection, const std::string& first) {
    Query query(connection, next_run_sql);
    query.bind_text(1, first);
    if (!query.step()) return std::nullopt;
    return ulid_from(query.text_view(0));
}

// Immediate, unlike inserts: the run sizes it reads may lack this transaction's uncounted
// inserts, which count_inserted adds later to whichever run then holds them, so every size
// is exact again at commit (a merge decided on a smaller size only leaves a smaller run).
void counted_out(Connection& connection, const std::string& ulid) {
    add_to_count(connection, -1);
    const auto run = run_at(connection, run_of_sql, ulid);
    if (!run) throw std::runtime_error("the sentinel customer run is missing");
    const std::int64_t size = run->size - 1;
    if (size >= min_run || run->first.empty()) {
        Query(connection, run_resize_sql).bind_text(1, run->first).bind_int(2, size).run();
        return;
    }
    // Joined to the run before it; that run may then split, while this one still exists (as
    // the version 1 triggers did).
    const auto before = run_at(connection, run_before_sql, run->first);
    if (!before) throw std::runtime_error("a customer run has no run before it");
    resize_run(connection, before->first, before->size + size);
    Query(connection, run_delete_sql).bind_text(1, run->first).run();
}

bool taken(Connection& connection, std::string_view sql, const std::string& value,
           const std::optional<core::Ulid>& except) {
    Query query(connection, sql);
    query.bind_text(1, value);
    if (except) {
        query.bind_ulid(2, *except);
    } else {
        query.bind_null(2);
    }
    return query.step();
}

std::uint64_t stored_count(Connection& connection) {
    Query query(connection, count_sql);
    return query.step() ? static_cast<std::uint64_t>(query.integer(0)) : 0;
}

std::uint64_t current_count(Connection& connection) { return stored_count(connection) + connection.uncounted().size(); }

// A position in ulid order as the run that holds it (its first ulid) and how many of the
// run's customers precede it.
using RunPosition = std::pair<std::string, std::int64_t>;

std::optional<RunPosition> walk_from_front(Connection& connection, std::uint64_t offset) {
    Query runs(connection, runs_sql);
    for (std::uint64_t before = 0; runs.step();) {
        const auto size = static_cast<std::uint64_t>(runs.integer(1));
        if (offset < before + size)
            return RunPosition{runs.text(0), static_cast<std::int64_t>(offset - before)};
        before += size;
    }
    return std::nullopt;
}

std::optional<RunPosition> walk_from_back(Connection& connection, std::uint64_t offset, std::uint64_t total) {
    Query runs(connection, runs_backwards_sql);
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
        query.bind_ulid(1, ulid);
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
    return context_.run_write([&](Connection& connection) -> std::expected<void, core::UniqueField> {
        auto written = write_customer(connection, insert_sql, customer);
        if (written) connection.uncounted().push_back(customer.ulid);
        return written;
    });
}

std::expected<void, core::UniqueField> SqliteCustomerRepository::update(const Customer& customer) {
    return context_.run_write(
        [&](Connection& connection) { return write_customer(connection, update_sql, customer); });
}

bool SqliteCustomerRepository::remove(const core::Ulid& ulid) {
    return context_.run_write([&](Connection& connection) {
        const auto text = ulid.to_string();
        {
            Query query(connection, remove_sql);
            query.bind_text(1, text);
            if (query.run() == 0) return false;
        }
        counted_out(connection, text);
        connection.erased();
        return true;
    });
}

std::uint64_t SqliteCustomerRepository::count() {
    return context_.run([](Connection& connection) { return current_count(connection); });
}

std::vector<Customer> SqliteCustomerRepository::page(std::uint64_t offset, std::uint32_t limit) {
    return context_.run([&](Connection& connection) -> std::vector<Customer> {
        if (limit == 0) return {};
        if (!connection.uncounted().empty()) {
            Query query(connection, page_by_offset_sql);
            query.bind_int(1, limit).bind_int(2, static_cast<std::int64_t>(offset));
            return read_all(query, limit);
        }
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
        query.bind_ulid(1, after).bind_int(2, limit);
        return read_all(query, limit);
    });
}

// Once per transaction instead of once per insert: the writer's batch of registrations
// updates the counter row once and each run it touches once (appends all land in the last
// run), where each insert used to update both. The inserted ulids, sorted, are cut where the
// next run begins; each group resizes its run, which may split. (Ulids sort as their text.)
void count_inserted(Connection& connection) {
    auto& inserted = connection.uncounted();
    if (inserted.empty()) return;
    std::sort(inserted.begin(), inserted.end());
    add_to_count(connection, static_cast<std::int64_t>(inserted.size()));
    for (std::size_t from = 0; from < inserted.size();) {
        const auto run = run_at(connection, run_of_sql, inserted[from].to_string());
        if (!run) throw std::runtime_error("the sentinel customer run is missing");
        const auto next = next_run(connection, run->first);
        std::size_t to = from + 1;
        while (to < inserted.size() && (!next || inserted[to] < *next)) ++to;
        resize_run(connection, run->first, run->size + static_cast<std::int64_t>(to - from));
        from = to;
    }
    inserted.clear();
}

}  // namespace jambo::sqlite::detail
