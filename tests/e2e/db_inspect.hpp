#pragma once
// Looking at the server's database from outside, with the sqlite3 shell, as an operator would:
// for the invariants the fault, load and hostile-input tests check after the server ran.

#include "jambo_process.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace jambo::testing {

/// What `sqlite3 -readonly -batch <db>` prints for `sql` (list mode, '|' between columns).
inline std::string sqlite(const WorkDir& dir, const std::string& sql) {
    static int counter = 0;
    auto script = dir.path / ("query-" + std::to_string(counter++) + ".sql");
    std::ofstream(script) << sql << "\n";
    auto command = "sqlite3 -readonly -batch '" + dir.db() + "' < '" + script.string() + "' 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("cannot run sqlite3");
    std::string out;
    char chunk[4096];
    while (auto got = std::fread(chunk, 1, sizeof chunk, pipe.get())) out.append(chunk, got);
    return out;
}

/// Runs `sql` (no double quotes in it) on the database with the sqlite3 shell, writing, as
/// another program would; true when it succeeded.
inline bool sqlite_write(const WorkDir& dir, const std::string& sql) {
    const auto command = "sqlite3 -batch -bail '" + dir.db() + "' \"" + sql + "\" > /dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

/// Another process on the database: the sqlite3 shell runs `before` (say `BEGIN IMMEDIATE;` to
/// take the write lock, or a SELECT to keep a read open), holds what it took for `seconds`,
/// then runs `after` and ends. Returned once `before` has run; wait_until_done() waits for
/// the end.
class SqliteShell {
public:
    SqliteShell(const WorkDir& dir, const std::string& before, int seconds, const std::string& after = "") {
        static int counter = 0;
        const auto stem = dir.path / ("shell-" + std::to_string(counter++));
        ready_ = stem.string() + ".ready";
        done_ = stem.string() + ".done";
        auto script = stem.string() + ".sql";
        std::ofstream(script) << before << "\n.shell touch '" << ready_ << "'\n.shell sleep " << seconds << "\n"
                              << after << "\n.shell touch '" << done_ << "'\n";
        const auto command = "(sqlite3 '" + dir.db() + "' < '" + script + "' > /dev/null 2>&1) &";
        if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot start sqlite3");
        if (!wait_for(ready_)) throw std::runtime_error("sqlite3 did not run: " + before);
    }
    [[nodiscard]] bool wait_until_done() const { return wait_for(done_); }

private:
    std::string ready_;
    std::string done_;

    static bool wait_for(const std::string& file) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!std::filesystem::exists(file) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return std::filesystem::exists(file);
    }
};

/// One number from a query like SELECT count(*) ...
inline long long sqlite_number(const WorkDir& dir, const std::string& sql) {
    auto out = sqlite(dir, sql);
    try {
        return std::stoll(out);
    } catch (const std::exception&) {
        throw std::runtime_error("sqlite3 said: " + out + " to: " + sql);
    }
}

/// The whole database as SQL text.
inline std::string sqlite_dump(const WorkDir& dir) { return sqlite(dir, ".dump"); }

/// The invariants every database must keep, whatever happened to the server: integrity, the
/// foreign keys, counters equal to the rows they count, and nothing left of a deleted customer.
/// Returns "" when they hold, else what is wrong.
inline std::string store_invariant_violations(const WorkDir& dir) {
    std::string problems;
    auto expect = [&](const std::string& what, const std::string& sql, const std::string& wanted) {
        auto got = sqlite(dir, sql);
        if (got != wanted) problems += what + ": got '" + got + "'\n";
    };
    expect("integrity_check", "PRAGMA integrity_check;", "ok\n");
    expect("foreign_key_check", "PRAGMA foreign_key_check;", "");
    expect("customer counter", "SELECT (SELECT value FROM counters WHERE name = 'customers') = (SELECT count(*) FROM customers);",
           "1\n");
    expect("customer chunks", "SELECT (SELECT sum(size) FROM customer_chunks) = (SELECT count(*) FROM customers);", "1\n");
    expect("outbox counter", "SELECT (SELECT value FROM counters WHERE name = 'outbox') = (SELECT count(*) FROM outbox);",
           "1\n");
    expect("orphan bearer tokens",
           "SELECT count(*) FROM credentials WHERE customer IS NOT NULL AND customer NOT IN (SELECT ulid FROM customers);",
           "0\n");
    expect("orphan deletion tokens",
           "SELECT count(*) FROM deletion_tokens WHERE customer NOT IN (SELECT ulid FROM customers);", "0\n");
    expect("mail for deleted customers",
           "SELECT count(*) FROM outbox WHERE customer IS NOT NULL AND customer NOT IN (SELECT ulid FROM customers);",
           "0\n");
    return problems;
}

}  // namespace jambo::testing
