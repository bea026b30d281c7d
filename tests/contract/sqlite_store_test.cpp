// What the SQLite store promises beyond the port: schema versioning, durability across
// crashes, several processes, erasure on disk, online backup, and infrastructure failures
// reported as StoreUnavailable.

#include <jambo/testing/store_contract_support.hpp>
#include "database_sync_watch.hpp"
#include "temp_dir.hpp"
#include "read_only_file.hpp"

#include <jambo/sqlite/sqlite_store.hpp>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <future>
#include <string>
#include <thread>

namespace {

using namespace jambo::contract;
using namespace std::chrono_literals;
using jambo::sqlite::SqliteOptions;
using jambo::sqlite::SqliteStore;
using jambo::testing::TempDir;

SQLite::Database raw(const std::string& path) { return SQLite::Database(path, SQLite::OPEN_READWRITE); }

std::string integrity(const std::string& path) {
    return raw(path).execAndGet("PRAGMA integrity_check").getString();
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string ascii_lower(std::string text) {
    for (auto& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return text;
}

// Runs `work` in a forked child that exits with 0 on success, 3 on StoreUnavailable, 4 on
// any other exception. The parent must hold no connection to the database while forking:
// SQLite's locks and connections do not survive fork.
template <typename Work>
pid_t fork_child(Work&& work) {
    const pid_t child = fork();
    if (child != 0) return child;
    int code = 0;
    try {
        work();
    } catch (const jambo::core::StoreUnavailable& e) {
        std::fprintf(stderr, "child: store unavailable: %s\n", e.what());
        code = 3;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "child: %s\n", e.what());
        code = 4;
    }
    _exit(code);
}

int exit_code(pid_t child) {
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

TEST_CASE("sqlite: a new database is migrated to the current schema and reopens with its data",
          "[contract][sqlite]") {
    TempDir dir;
    for (const bool start_from_empty_file : {false, true}) {
        const auto path = dir.file(start_from_empty_file ? "empty.db" : "new.db");
        if (start_from_empty_file) std::ofstream{path};
        {
            SqliteStore store({.path = path});
            CHECK(store.schema_version_found() == 0);
            insert_customers(store, {1, 2});
        }
        {
            auto db = raw(path);
            CHECK(db.execAndGet("PRAGMA user_version").getInt() == SqliteStore::schema_version());
            CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
        }
        SqliteStore reopened({.path = path, .durability = jambo::sqlite::Durability::full});
        CHECK(reopened.schema_version_found() == SqliteStore::schema_version());
        CHECK(all_customers(reopened) == std::vector{customer(1), customer(2)});
        CHECK(integrity(path) == "ok");
        CHECK(raw(path).execAndGet("PRAGMA user_version").getInt() == SqliteStore::schema_version());
    }
}

TEST_CASE("sqlite: version 4 replaces the addresses deletion tokens kept with digests - overwrites them - drops their mail",
          "[contract][sqlite][erasure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    const std::string old_address = "old.address.5c1e@example.org";
    {
        SqliteStore store({.path = path});
        insert_customers(store, {1});
    }
    {
        // The version 3 shape: the address itself, beside a link's hash.
        auto db = raw(path);
        db.exec("ALTER TABLE deletion_tokens RENAME COLUMN email_digest TO email_key");
        db.exec("DROP TABLE database_identity");
        db.exec("ALTER TABLE outbox DROP COLUMN expires_at");
        db.exec("INSERT INTO deletion_tokens (hash, customer, email_key, created_at, expires_at, used) "
                "SELECT randomblob(32), ulid, '" + old_address + "', 1, 2, 0 FROM customers");
        // Its mail, still queued: the link in it will answer 404 once migrated.
        db.exec("INSERT INTO outbox (customer, recipient, subject, body, created_at, next_attempt_at) "
                "SELECT ulid, '" + old_address + "', 'Confirm the deletion of your data', "
                "'https://x.example/api/customer/AAAA/delete/confirm', 1, 1 FROM customers");
        db.exec("PRAGMA user_version = 3");
    }
    {
        SqliteStore store({.path = path});
        CHECK(store.schema_version_found() == 3);
        reading(store, [&](jambo::core::Transaction& tx) {
            CHECK(tx.deletion_tokens().issued_since(customer(1).ulid, jambo::core::TimePoint{}).size() == 1);  // still counts
            CHECK(tx.outbox().depth() == 0);  // not sent with a dead link, and recorded so
            const auto audit = tx.audit().latest(10);
            REQUIRE(audit.size() == 1);
            CHECK(audit.front().event == "mail.abandoned");
            CHECK(audit.front().subject == customer(1).ulid.to_string());
            CHECK(audit.front().detail == "migration: its link stopped working");
            const auto age = std::chrono::system_clock::now() - audit.front().at;
            CHECK(age >= std::chrono::seconds{0});
            CHECK(age < std::chrono::minutes{5});
        });
        store.checkpoint();
    }
    auto db = raw(path);
    CHECK(db.execAndGet("PRAGMA user_version").getInt() == SqliteStore::schema_version());
    CHECK(db.execAndGet("SELECT count(*) FROM deletion_tokens WHERE email_digest = zeroblob(32)").getInt() == 1);
    CHECK(file_bytes(path).find(old_address) == std::string::npos);
    CHECK(file_bytes(path + "-wal").find(old_address) == std::string::npos);
}

TEST_CASE("sqlite: version 8 gives queued mail its link's expiry - mail with no link found has none",
          "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("v7.db");
    {
        SqliteStore store({.path = path});
        insert_customers(store, {1, 2});
    }
    {
        auto db = raw(path);
        db.exec("ALTER TABLE outbox DROP COLUMN expires_at");
        // Customer 1's link and its mail, written together at time 5; customer 2's mail alone.
        db.exec("INSERT INTO deletion_tokens (hash, customer, email_digest, created_at, expires_at, used) "
                "SELECT randomblob(32), ulid, zeroblob(32), 5, 3600005, 0 FROM customers WHERE ulid = '" +
                customer(1).ulid.to_string() + "'");
        db.exec("INSERT INTO outbox (customer, recipient, subject, body, created_at, next_attempt_at) "
                "SELECT ulid, email, 'Confirm the deletion of your data', 'a link', 5, 5 FROM customers");
        db.exec("PRAGMA user_version = 7");
    }
    SqliteStore store({.path = path});
    CHECK(store.schema_version_found() == 7);
    reading(store, [&](jambo::core::Transaction& tx) {
        const auto of_1 = tx.outbox().queued_for(customer(1).ulid);
        REQUIRE(of_1.size() == 1);
        CHECK(of_1.front().expires_at == jambo::core::TimePoint{std::chrono::milliseconds{3'600'005}});
        const auto of_2 = tx.outbox().queued_for(customer(2).ulid);
        REQUIRE(of_2.size() == 1);
        CHECK_FALSE(of_2.front().expires_at.has_value());
        CHECK(tx.outbox().due(jambo::contract::at(10), 10).size() == 2);
    });
    CHECK(raw(path).execAndGet("PRAGMA user_version").getInt() == SqliteStore::schema_version());
}

TEST_CASE("sqlite: version 7 gives each database an identity of its own - from version 4, 5 or 6",
          "[contract][sqlite]") {
    TempDir dir;
    const auto identity = [](const std::string& path) {
        return raw(path).execAndGet("SELECT group_concat(id) FROM database_identity").getString();
    };
    for (const int from : {4, 5, 6}) {
        INFO(from);
        const auto path = dir.file("v" + std::to_string(from) + ".db");
        {
            SqliteStore store({.path = path});
            insert_customers(store, {1});
        }
        {
            // The shape builds of main wrote as versions 5 and 6 (never released).
            auto db = raw(path);
            db.exec("DROP TABLE database_identity");
            db.exec("ALTER TABLE outbox DROP COLUMN expires_at");
            if (from >= 5) db.exec("CREATE TABLE deletion_mail_notes (digest BLOB PRIMARY KEY, at INTEGER)");
            if (from >= 6) db.exec("CREATE TABLE purged_deletion_tokens (hash BLOB PRIMARY KEY)");
            db.exec("PRAGMA user_version = " + std::to_string(from));
        }
        {
            SqliteStore store({.path = path});
            CHECK(store.schema_version_found() == from);
            CHECK(all_customers(store) == std::vector{customer(1)});
        }
        auto db = raw(path);
        CHECK(db.execAndGet("PRAGMA user_version").getInt() == SqliteStore::schema_version());
        CHECK(db.execAndGet("SELECT count(*) FROM sqlite_schema WHERE name IN ('deletion_mail_notes', "
                            "'purged_deletion_tokens')").getInt() == 0);
        CHECK(identity(path).size() == 32);
    }
    // Made once: reopening keeps it, and every database gets its own.
    const auto first = identity(dir.file("v4.db"));
    { SqliteStore reopened({.path = dir.file("v4.db")}); }
    CHECK(identity(dir.file("v4.db")) == first);
    CHECK(identity(dir.file("v5.db")) != first);
    { SqliteStore fresh({.path = dir.file("new.db")}); }
    CHECK(identity(dir.file("new.db")).size() == 32);
    CHECK(identity(dir.file("new.db")) != first);
}

TEST_CASE("sqlite: a database written by a newer schema is refused and left alone", "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    { SqliteStore store({.path = path}); }
    const int newer = SqliteStore::schema_version() + 1;
    raw(path).exec("PRAGMA user_version = " + std::to_string(newer));
    CHECK_THROWS_AS(SqliteStore({.path = path}), jambo::sqlite::SchemaTooNew);
    CHECK_THROWS_WITH(SqliteStore({.path = path}),
                      Catch::Matchers::Contains("schema version " + std::to_string(newer)) &&
                          Catch::Matchers::Contains(path));
    CHECK(raw(path).execAndGet("PRAGMA user_version").getInt() == newer);
}

TEST_CASE("sqlite: a database of another application is refused", "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("other.db");
    {
        SQLite::Database other(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        other.exec("PRAGMA application_id = 42; CREATE TABLE notes (text TEXT)");
    }
    CHECK_THROWS_WITH(SqliteStore({.path = path}), Catch::Matchers::Contains("another application"));
}

TEST_CASE("sqlite: an unmarked database with another application's tables is refused and left as it was",
          "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("notes.db");
    {
        SQLite::Database other(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('alice')");
    }
    const auto before = file_bytes(path);
    CHECK_THROWS_WITH(SqliteStore({.path = path}), Catch::Matchers::Contains("is not a jambo database"));
    CHECK(file_bytes(path) == before);  // not even switched to WAL
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_CASE("sqlite: a database the process may only read is reported read-only", "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    {
        SqliteStore writable({.path = path});
        insert_customers(writable, {1});
        CHECK_FALSE(writable.read_only());
    }
    jambo::testing::ReadOnlyFile frozen(path);
    SqliteStore store({.path = path});
    CHECK(store.read_only());
    CHECK(all_customers(store) == std::vector{customer(1)});  // reads still work
}

TEST_CASE("sqlite: a file that cannot be opened is reported as StoreUnavailable - naming a missing directory", "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("missing-directory/jambo.db");
    CHECK_THROWS_AS(SqliteStore({.path = path}), jambo::core::StoreUnavailable);
    // SQLite alone says "unable to open database file", which sends an operator to the file.
    CHECK_THROWS_WITH(SqliteStore({.path = path}),
                      Catch::Matchers::EndsWith("; directory " + dir.file("missing-directory") + " does not exist"));
}

TEST_CASE("sqlite: two processes writing at once never see SQLITE_BUSY", "[contract][sqlite][processes]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    { SqliteStore create({.path = path}); }
    constexpr std::uint64_t per_process = 150;
    int go[2];
    REQUIRE(pipe(go) == 0);
    const pid_t child = fork_child([&] {
        close(go[1]);
        SqliteStore store({.path = path});
        char signal = 0;
        if (read(go[0], &signal, 1) != 1) throw std::runtime_error("no start signal");
        for (std::uint64_t i = 0; i < per_process; ++i) insert_customer_or_throw(store, 100'000 + i);
    });
    REQUIRE(child > 0);
    close(go[0]);
    {
        SqliteStore store({.path = path});
        REQUIRE(write(go[1], "g", 1) == 1);
        close(go[1]);
        for (std::uint64_t i = 0; i < per_process; ++i) insert_customer_or_throw(store, i);
    }
    REQUIRE(exit_code(child) == 0);
    SqliteStore store({.path = path});
    reading(store, [](jambo::core::Transaction& tx) { CHECK(tx.customers().count() == 2 * per_process); });
    CHECK(all_customers(store).size() == 2 * per_process);
}

namespace {

// The child of the crash test: commits customers (each with mail and an audit entry, so one
// commit spans several tables, indexes and triggers) and reports each number after commit.
[[noreturn]] void report_commits(const std::string& path, std::uint64_t first, int report) {
    SqliteStore store({.path = path});
    for (std::uint64_t n = first;; ++n) {
        committed(store, [&](jambo::core::Transaction& tx) {
            if (!tx.customers().insert(customer(n))) throw std::runtime_error("insert refused");
            tx.outbox().enqueue(message(ulid(n), customer(n).email, at(0), at(0)));
            tx.audit().append(jambo::core::AuditEntry{0, at(0), "customer.created", ulid(n).to_string(), ""});
        });
        if (write(report, &n, sizeof n) != sizeof n) _exit(5);
    }
}

void read_reports(int fd, std::string& pending, std::vector<std::uint64_t>& out, bool& open) {
    char buffer[4096];
    const auto got = read(fd, buffer, sizeof buffer);
    if (got <= 0) {
        open = got < 0 && errno == EINTR;
        return;
    }
    pending.append(buffer, static_cast<std::size_t>(got));
    std::size_t used = 0;
    for (; pending.size() - used >= sizeof(std::uint64_t); used += sizeof(std::uint64_t)) {
        std::uint64_t n = 0;
        pending.copy(reinterpret_cast<char*>(&n), sizeof n, used);  // NOLINT: raw bytes off a pipe
        out.push_back(n);
    }
    pending.erase(0, used);
}

// Waits for the first report, lets the child run `delay` more, kills it, and drains the pipe.
std::vector<std::uint64_t> kill_while_committing(pid_t child, int fd, std::chrono::milliseconds delay) {
    std::vector<std::uint64_t> reported;
    std::string pending;
    bool open = true;
    while (open && reported.empty()) read_reports(fd, pending, reported, open);
    const auto deadline = std::chrono::steady_clock::now() + delay;
    while (open && std::chrono::steady_clock::now() < deadline) {
        pollfd readable{fd, POLLIN, 0};
        if (poll(&readable, 1, 1) > 0) read_reports(fd, pending, reported, open);
    }
    kill(child, SIGKILL);
    while (open) read_reports(fd, pending, reported, open);
    return reported;
}

// The parent's side of a crash round: `child` commits and reports each commit on the pipe;
// it is killed `delay` after its first report. Returns what it reported before dying.
std::vector<std::uint64_t> crash_round(pid_t child, int (&pipe_fds)[2], std::chrono::milliseconds delay) {
    REQUIRE(child > 0);
    close(pipe_fds[1]);
    auto got = kill_while_committing(child, pipe_fds[0], delay);
    close(pipe_fds[0]);
    CHECK(exit_code(child) == 128 + SIGKILL);
    REQUIRE_FALSE(got.empty());
    return got;
}

// How many reported commits are not in the store exactly as written.
std::size_t missing_commits(jambo::core::Transaction& tx, const std::vector<std::uint64_t>& reported) {
    std::size_t missing = 0;
    for (const auto n : reported) missing += tx.customers().find(ulid(n)) == customer(n) ? 0 : 1;
    return missing;
}

}  // namespace

TEST_CASE("sqlite: every commit reported by a writer killed at a random moment survives",
          "[contract][sqlite][crash]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    { SqliteStore create({.path = path}); }
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(0, 80);
    std::vector<std::uint64_t> reported;
    for (std::uint64_t round = 0; round < 20; ++round) {
        int pipe_fds[2];
        REQUIRE(pipe(pipe_fds) == 0);
        const pid_t child = fork_child([&] {
            close(pipe_fds[0]);
            report_commits(path, round * 1'000'000, pipe_fds[1]);
        });
        INFO("round " << round);
        const auto got = crash_round(child, pipe_fds, std::chrono::milliseconds(delay_ms(random)));
        reported.insert(reported.end(), got.begin(), got.end());
    }
    REQUIRE(integrity(path) == "ok");
    SqliteStore store({.path = path});
    reading(store, [&](jambo::core::Transaction& tx) {
        CHECK(missing_commits(tx, reported) == 0);
        const auto rows = tx.customers().page(0, 10'000'000).size();
        CHECK(tx.customers().count() == rows);
        CHECK(tx.outbox().depth() == rows);
        CHECK(rows >= reported.size());
    });
}

TEST_CASE("sqlite: an erased customer's email is nowhere in the database files after a checkpoint",
          "[contract][sqlite][erasure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    std::vector<std::uint64_t> others;
    for (std::uint64_t n = 10; n <= 4000; n += 10) others.push_back(n);
    insert_customers(store, others);

    const std::string first_email = "Old.Canary.91bd@example.org";
    const std::string final_email = "Erased.Canary.7f3a@example.org";
    // Customers inserted next to the canary, in ulid order and in email order, so the pages
    // holding its row and its index entries split (and copy its cells) before it is erased.
    const auto add_neighbours = [&](std::uint64_t from, const std::string& email_prefix) {
        committed(store, [&](jambo::core::Transaction& tx) {
            for (std::uint64_t n = from; n < from + 100; ++n) {
                if (n % 10 == 0 || n == 2005) continue;
                auto neighbour = customer(n);
                neighbour.email = email_prefix + std::to_string(n) + "@example.org";
                REQUIRE(tx.customers().insert(neighbour).has_value());
            }
        });
    };
    auto canary = customer(2005);
    canary.email = first_email;
    committed(store, [&](jambo::core::Transaction& tx) {
        REQUIRE(tx.customers().insert(canary).has_value());
        tx.deletion_tokens().insert(deletion_token(1, canary, at(0)));
        tx.outbox().enqueue(message(canary.ulid, canary.email, at(0), at(0)));
    });
    add_neighbours(1950, "old.canary.91bc");
    canary.email = final_email;
    committed(store, [&](jambo::core::Transaction& tx) {
        REQUIRE(tx.customers().update(canary).has_value());
        tx.deletion_tokens().insert(deletion_token(2, canary, at(1)));
        auto mail = message(canary.ulid, canary.email, at(1), at(1));
        mail.body = "Your link was sent to " + final_email;
        tx.outbox().enqueue(mail);
    });
    add_neighbours(2050, "erased.canary.7f3a");
    committed(store, [&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().remove(canary.ulid)); });
    store.checkpoint();

    const auto database = file_bytes(path);
    const auto wal = file_bytes(path + "-wal");
    REQUIRE(database.find(customer(10).email) != std::string::npos);  // the search does find live data
    REQUIRE(database.find("old.canary.91bc1951@example.org") != std::string::npos);
    for (const auto& needle :
         {first_email, ascii_lower(first_email), final_email, ascii_lower(final_email)}) {
        INFO(needle);
        CHECK(database.find(needle) == std::string::npos);
        CHECK(wal.find(needle) == std::string::npos);
    }
}

TEST_CASE("sqlite: under constant writes an erased customer's rows leave the WAL by the next batch",
          "[contract][sqlite][erasure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    std::vector<std::uint64_t> others;
    for (std::uint64_t n = 10; n <= 400; n += 10) others.push_back(n);
    insert_customers(store, others);
    auto canary = customer(205);
    canary.email = "Erased.Canary.5d1e@example.org";
    const auto write = [&](const std::function<void(jambo::core::Transaction&)>& work) {
        store.run_write([&](jambo::core::Transaction& tx) {
            work(tx);
            return true;
        });
    };
    write([&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().insert(canary).has_value()); });
    REQUIRE(file_bytes(path + "-wal").find(canary.email) != std::string::npos);  // the search finds it
    write([&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().remove(canary.ulid)); });
    // The next write comes well within the idle truncation's second: the writer truncates the
    // WAL before it, so the canary's row and index entries are gone from both files.
    write([&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().insert(customer(999)).has_value()); });
    CHECK(file_bytes(path + "-wal").find(canary.email) == std::string::npos);
    CHECK(file_bytes(path).find(canary.email) == std::string::npos);
    CHECK(file_bytes(path + "-wal").find(customer(999).email) != std::string::npos);
}

TEST_CASE("sqlite: an erased customer's rows leave the WAL once another process's long read lets go of it",
          "[contract][sqlite][erasure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    insert_customers(store, {10, 20, 30});
    auto canary = customer(205);
    canary.email = "Erased.Canary.a41c@example.org";
    committed(store, [&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().insert(canary).has_value()); });
    // Another process reads, as a backup or a sqlite3 shell does, and keeps the WAL meanwhile.
    auto reader = raw(path);
    reader.exec("BEGIN");
    REQUIRE(reader.execAndGet("SELECT count(*) FROM customers").getInt() == 4);
    committed(store, [&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().remove(canary.ulid)); });
    std::uint64_t next = 1000;
    for (int i = 0; i < 5; ++i) {  // writes go on; the truncation cannot happen yet
        committed(store,
                  [&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().insert(customer(next++)).has_value()); });
    }
    REQUIRE(file_bytes(path + "-wal").find(canary.email) != std::string::npos);
    reader.exec("COMMIT");
    // Writes go on without a quiet second; one of them truncates once its pause is over.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (file_bytes(path + "-wal").find(canary.email) != std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        committed(store,
                  [&](jambo::core::Transaction& tx) { REQUIRE(tx.customers().insert(customer(next++)).has_value()); });
        std::this_thread::sleep_for(20ms);
    }
    CHECK(file_bytes(path + "-wal").find(canary.email) == std::string::npos);
    CHECK(file_bytes(path).find(canary.email) == std::string::npos);
}

TEST_CASE("sqlite: backup_to copies one consistent snapshot while a writer runs",
          "[contract][sqlite][backup]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    const auto copy_path = dir.file("backup.db");
    SqliteStore store({.path = path});
    std::vector<std::uint64_t> initial(200);
    std::iota(initial.begin(), initial.end(), 1);
    insert_customers(store, initial);

    std::atomic<bool> stop = false;
    std::atomic<std::uint64_t> written = 0;
    ThreadFailures failures;
    std::thread writer([&] {
        failures.run([&] {
            for (std::uint64_t n = 1000; !stop; ++n) {
                insert_customer_or_throw(store, n);
                written = n;
            }
        });
    });
    while (written < 1050 && !stop) std::this_thread::sleep_for(1ms);
    const auto before_backup = written.load();
    store.backup_to(copy_path);
    stop = true;
    writer.join();
    failures.rethrow();

    REQUIRE(integrity(copy_path) == "ok");
    SqliteStore copy({.path = copy_path});
    const auto copied = all_customers(copy);
    reading(copy, [&](jambo::core::Transaction& tx) { CHECK(tx.customers().count() == copied.size()); });
    // A snapshot of increasing inserts is the initial customers plus an unbroken prefix of the rest.
    std::vector<jambo::core::Customer> expected;
    for (const auto n : initial) expected.push_back(customer(n));
    for (std::uint64_t n = 1000; expected.size() < copied.size(); ++n) expected.push_back(customer(n));
    CHECK(copied == expected);
    CHECK(copied.size() >= initial.size() + (before_backup - 999));
}

TEST_CASE("sqlite: the database, its WAL and a backup are readable by their owner only",
          "[contract][sqlite][backup]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    const auto mode = [](const std::string& file) {
        struct stat info {};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        return info.st_mode & 0777;
    };
    SqliteStore store({.path = path});
    insert_customers(store, {1, 2});
    CHECK(mode(path) == 0600);
    CHECK(mode(path + "-wal") == 0600);
    CHECK(mode(path + "-shm") == 0600);
    store.backup_to(dir.file("backup.db"));
    CHECK(mode(dir.file("backup.db")) == 0600);
}

TEST_CASE("sqlite: a backup that cannot be written says why and leaves no copy behind",
          "[contract][sqlite][backup]") {
    TempDir dir;
    SqliteStore store({.path = dir.file("jambo.db")});
    insert_customers(store, {1});
    const auto refusal = [&](const std::string& destination) {
        try {
            store.backup_to(destination);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
        FAIL("backup_to " << destination << " succeeded");
        return std::string();
    };
    std::filesystem::create_directory(dir.file("folder"));
    CHECK(refusal(dir.file("folder")) == "backup destination " + dir.file("folder") + " is a directory; name a file in it");
    CHECK(refusal(dir.file("folder/")) == "backup destination " + dir.file("folder/") + " is a directory; name a file in it");
    CHECK(refusal(dir.file("missing/copy.db")) == "backup destination " + dir.file("missing/copy.db") + ": directory " +
                                                      dir.file("missing") + " does not exist");
    CHECK(refusal(dir.file("jambo.db")) == "backup destination " + dir.file("jambo.db") + " is the live database");
    std::ofstream(dir.file("notes.txt")) << "important notes\n";
    CHECK(refusal(dir.file("notes.txt")) == "backup destination " + dir.file("notes.txt") +
                                                " exists and is not an SQLite database; remove it or name another file");
    CHECK(file_bytes(dir.file("notes.txt")) == "important notes\n");

    // Another application's SQLite file, and another jambo database in use (its -wal and -shm
    // beside it): neither is an older backup, and both are left as they were.
    SQLite::Database(dir.file("other-app.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)
        .exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')");
    const auto other_app = file_bytes(dir.file("other-app.db"));
    CHECK(refusal(dir.file("other-app.db")) == "backup destination " + dir.file("other-app.db") +
                                                   " is another application's SQLite database; remove it or name another file");
    CHECK(file_bytes(dir.file("other-app.db")) == other_app);
    {
        SqliteStore in_use({.path = dir.file("served.db")});
        insert_customers(in_use, {7});
        CHECK(refusal(dir.file("served.db")) == "backup destination " + dir.file("served.db") +
                                                    " is a database in use (it has a wal file beside it), not a backup; "
                                                    "name another file");
        CHECK(std::filesystem::exists(dir.file("served.db-wal")));
        CHECK(all_customers(in_use) == std::vector{customer(7)});
    }
    // Stopped, it has nothing beside it, as an older backup has not: its identity tells them
    // apart (a mistyped --db made the live database the destination).
    const auto stopped = file_bytes(dir.file("served.db"));
    CHECK(refusal(dir.file("served.db")) == "backup destination " + dir.file("served.db") +
                                                " is another jambo database, not a backup of " + dir.file("jambo.db") +
                                                "; remove it or name another file");
    CHECK(file_bytes(dir.file("served.db")) == stopped);
    CHECK_FALSE(std::filesystem::exists(dir.file("served.db-shm")));  // read without leaving one

    store.backup_to(dir.file("copy.db"));
    store.backup_to(dir.file("copy.db"));  // an older backup is replaced
    // So is one made before databases had an identity.
    raw(dir.file("copy.db")).exec("DROP TABLE database_identity; PRAGMA user_version = 4");
    store.backup_to(dir.file("copy.db"));
    CHECK(raw(dir.file("copy.db")).execAndGet("SELECT count(*) FROM database_identity").getInt() == 1);
    std::filesystem::remove(dir.file("copy.db"));
    std::filesystem::remove(dir.file("notes.txt"));
    std::filesystem::remove(dir.file("other-app.db"));
    std::filesystem::remove(dir.file("served.db"));
    std::vector<std::string> left;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.file(""))) {
        left.push_back(entry.path().filename().string());
    }
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{"folder", "jambo.db", "jambo.db-shm", "jambo.db-wal"});
}

TEST_CASE("sqlite: a writer locked out past the busy timeout gets StoreUnavailable",
          "[contract][sqlite][failure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path, .busy_timeout = 200ms});
    auto other = raw(path);
    other.exec("BEGIN IMMEDIATE");
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(store.begin(jambo::core::TransactionMode::write), jambo::core::StoreUnavailable);
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
    CHECK_THROWS_WITH(store.begin(jambo::core::TransactionMode::write), Catch::Matchers::Contains("locked"));
    CHECK(store.healthy());  // readers are not blocked by a writer
    other.exec("ROLLBACK");
    insert_customers(store, {1});
    CHECK(all_customers(store) == std::vector{customer(1)});
}

TEST_CASE("sqlite: a full database turns writes into StoreUnavailable and keeps what was committed",
          "[contract][sqlite][failure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path, .max_size_bytes = 192 * 1024});
    std::vector<jambo::core::Customer> stored;
    std::string failure;
    for (std::uint64_t n = 1; n < 10'000 && failure.empty(); ++n) {
        auto wide = customer(n);
        wide.first_name = std::string(240, 'f') + std::to_string(n);
        wide.last_name = std::string(240, 'l') + std::to_string(n);
        try {
            // Not inside REQUIRE: the exception under test must reach the catch below.
            const auto inserted =
                committed(store, [&](jambo::core::Transaction& tx) { return tx.customers().insert(wide); });
            REQUIRE(inserted.has_value());
            stored.push_back(wide);
        } catch (const jambo::core::StoreUnavailable& e) {
            failure = e.what();
        }
    }
    INFO(failure);
    REQUIRE_FALSE(failure.empty());
    CHECK_THAT(failure, Catch::Matchers::Contains("full"));
    CHECK(store.healthy());
    CHECK(all_customers(store) == stored);
    reading(store, [&](jambo::core::Transaction& tx) { CHECK(tx.customers().count() == stored.size()); });
    CHECK(integrity(path) == "ok");
}

namespace {

// The counter row and every page run agree with the customers table, no run is far past its
// size limit, and page-number pages are the rows SQLite's own OFFSET finds. Returns the runs.
int check_runs_match_rows(SqliteStore& store, const std::string& path) {
    auto db = raw(path);
    const auto sum = db.execAndGet("SELECT sum(size) FROM customer_chunks").getInt64();
    const auto counter = db.execAndGet("SELECT value FROM counters WHERE name = 'customers'").getInt64();
    const auto rows = db.execAndGet("SELECT count(*) FROM customers").getInt64();
    CHECK(sum == rows);
    CHECK(counter == rows);
    SQLite::Statement chunks(
        db,
        "SELECT c.first_ulid, c.size, (SELECT count(*) FROM customers WHERE ulid >= c.first_ulid "
        "AND ulid < coalesce((SELECT min(first_ulid) FROM customer_chunks WHERE first_ulid > "
        "c.first_ulid), '~')) FROM customer_chunks c ORDER BY c.first_ulid");
    int runs = 0;
    while (chunks.executeStep()) {
        ++runs;
        INFO("run starting at '" << chunks.getColumn(0).getString() << "'");
        CHECK(chunks.getColumn(1).getInt64() == chunks.getColumn(2).getInt64());
        CHECK(chunks.getColumn(1).getInt64() <= 1024 + 64);
    }

    SQLite::Statement by_offset(db, "SELECT ulid FROM customers ORDER BY ulid LIMIT 50 OFFSET ?");
    reading(store, [&](jambo::core::Transaction& tx) {
        CHECK(tx.customers().count() == static_cast<std::uint64_t>(rows));
        for (std::int64_t offset = 0; offset < rows + 50; offset += 97) {
            by_offset.reset();
            by_offset.bind(1, offset);
            std::vector<std::string> expected;
            while (by_offset.executeStep()) expected.push_back(by_offset.getColumn(0).getString());
            std::vector<std::string> paged;
            for (const auto& c : tx.customers().page(static_cast<std::uint64_t>(offset), 50))
                paged.push_back(c.ulid.to_string());
            INFO("offset " << offset);
            REQUIRE(paged == expected);
        }
    });
    return runs;
}

}  // namespace

TEST_CASE("sqlite: the run sizes behind page-number paging stay exact through churn",
          "[contract][sqlite][paging]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    std::vector<std::uint64_t> numbers(6000);
    std::iota(numbers.begin(), numbers.end(), 1);
    std::mt19937 random(7);
    std::shuffle(numbers.begin(), numbers.end(), random);
    insert_customers(store, numbers);  // one transaction: its inserts are counted at its commit
    committed(store, [](jambo::core::Transaction& tx) {
        for (std::uint64_t n = 500; n < 3500; ++n) {
            if (n % 10 != 0) REQUIRE(tx.customers().remove(ulid(n)));
        }
    });
    CHECK(check_runs_match_rows(store, path) > 4);
}

TEST_CASE("sqlite: a write sees its own inserts in count and pages before they are counted",
          "[contract][sqlite][paging]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    insert_customers(store, {10, 20, 30});
    committed(store, [](jambo::core::Transaction& tx) {
        REQUIRE(tx.customers().insert(customer(25)).has_value());
        REQUIRE(tx.customers().insert(customer(5)).has_value());
        CHECK(tx.customers().count() == 5);
        std::vector<jambo::core::Ulid> paged;
        for (const auto& c : tx.customers().page(1, 3)) paged.push_back(c.ulid);
        CHECK(paged == std::vector{ulid(10), ulid(20), ulid(25)});
        // Removing one of them again before the commit counts it out exactly once.
        CHECK(tx.customers().remove(ulid(25)));
        CHECK(tx.customers().count() == 4);
    });
    reading(store, [](jambo::core::Transaction& tx) { CHECK(tx.customers().count() == 4); });
    check_runs_match_rows(store, path);
}

TEST_CASE("sqlite: a transaction that doubles the runs in the middle splits each until it fits",
          "[contract][sqlite][paging]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    std::vector<std::uint64_t> even;
    for (std::uint64_t n = 2; n <= 8000; n += 2) even.push_back(n);
    insert_customers(store, even);
    const int runs_before = check_runs_match_rows(store, path);
    // Every odd number between them lands in a run that is already full: each such run
    // reaches about twice its limit at the commit and must split more than once.
    std::vector<std::uint64_t> odd;
    for (std::uint64_t n = 1001; n <= 7001; n += 2) odd.push_back(n);
    insert_customers(store, odd);
    CHECK(check_runs_match_rows(store, path) > runs_before + 3);
}

TEST_CASE("sqlite: one group commit counts the inserts of the items it keeps, and only those",
          "[contract][sqlite][paging][submit_write]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    std::vector<std::uint64_t> preloaded(3000);
    std::iota(preloaded.begin(), preloaded.end(), 1);
    insert_customers(store, preloaded);

    // Everything submitted while the first item holds the writer forms one batch.
    std::promise<void> open_gate;
    auto gate = open_gate.get_future().share();
    std::mutex mutex;
    std::condition_variable all_done;
    std::size_t done = 0;
    std::vector<std::string> mistakes;  // Catch2 must not assert on the writer thread
    const auto note = [&](std::string what) {
        std::scoped_lock lock(mutex);
        mistakes.push_back(std::move(what));
    };
    const auto finished = [&](std::exception_ptr) {
        std::scoped_lock lock(mutex);
        ++done;
        all_done.notify_one();
    };
    store.submit_write([gate](jambo::core::Transaction&) {
        gate.wait();
        return true;
    }, finished);

    std::vector<std::uint64_t> kept(preloaded);
    constexpr std::uint64_t first = 10'000;
    constexpr std::uint64_t items = 2'500;  // more than two runs' worth of appends
    for (std::uint64_t n = first; n < first + items; ++n) {
        const auto kind = n % 6;
        store.submit_write([&, n, kind](jambo::core::Transaction& tx) {
            const auto before = tx.customers().count();
            if (!tx.customers().insert(customer(n))) throw std::runtime_error("insert refused");
            if (tx.customers().count() != before + 1) note("count after insert " + std::to_string(n));
            if (kind == 0) return false;                                    // dropped
            if (kind == 1) throw std::runtime_error("the item's own failure");  // dropped too
            if (kind == 2) {  // newest so far: the last row of a page-number page
                const auto last = tx.customers().page(before, 5);
                if (last.size() != 1 || last.front().ulid != ulid(n)) note("page after insert " + std::to_string(n));
            }
            if (kind == 3 && !tx.customers().remove(ulid(n % 3000 + 1))) note("remove " + std::to_string(n));
            return true;
        }, finished);
        if (kind >= 2) kept.push_back(n);
        if (kind == 3) std::erase(kept, n % 3000 + 1);
    }
    open_gate.set_value();
    {
        std::unique_lock lock(mutex);
        all_done.wait(lock, [&] { return done == items + 1; });
    }
    CHECK(mistakes.empty());
    std::sort(kept.begin(), kept.end());
    std::vector<jambo::core::Customer> expected;
    for (const auto n : kept) expected.push_back(customer(n));
    CHECK(all_customers(store) == expected);
    CHECK(check_runs_match_rows(store, path) > 4);
    CHECK(integrity(path) == "ok");
}

TEST_CASE("sqlite: a read transaction refuses writes and a failed transaction stays failed",
          "[contract][sqlite]") {
    TempDir dir;
    SqliteStore store({.path = dir.file("jambo.db")});
    auto reader = store.begin(jambo::core::TransactionMode::read);
    CHECK_THROWS_AS(reader->customers().insert(customer(1)), std::logic_error);
    CHECK_THROWS_AS(reader->customers().count(), std::logic_error);
    reader.reset();
    auto writer = store.begin(jambo::core::TransactionMode::write);
    REQUIRE(writer->customers().insert(customer(1)).has_value());
    writer->commit();
    CHECK_THROWS_AS(writer->commit(), std::logic_error);
    CHECK_THROWS_AS(writer->customers().insert(customer(2)), std::logic_error);
    writer.reset();
    CHECK(all_customers(store) == std::vector{customer(1)});
}

TEST_CASE("sqlite: one thread can read while it holds a write transaction", "[contract][sqlite]") {
    TempDir dir;
    SqliteStore store({.path = dir.file("jambo.db")});
    insert_customers(store, {1});
    auto writer = store.begin(jambo::core::TransactionMode::write);
    REQUIRE(writer->customers().insert(customer(2)).has_value());
    reading(store, [](jambo::core::Transaction& tx) { CHECK(tx.customers().count() == 1); });
    writer->commit();
    reading(store, [](jambo::core::Transaction& tx) { CHECK(tx.customers().count() == 2); });
}

TEST_CASE("sqlite: threads that come and go each get a working connection",
          "[contract][sqlite][concurrency]") {
    TempDir dir;
    SqliteStore store({.path = dir.file("jambo.db")});
    ThreadFailures failures;
    for (std::uint64_t n = 1; n <= 20; ++n) {
        std::thread([&, n] { failures.run([&] { insert_customer_or_throw(store, n); }); }).join();
    }
    failures.rethrow();
    CHECK(all_customers(store).size() == 20);
}

namespace {

// How many of this process's file descriptors are open on `path`: one per SQLite connection
// to that database.
int open_descriptors_of(const std::string& path) {
    const auto target = std::filesystem::canonical(path);
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code gone;  // the iterator's own descriptor may be closed by now
        if (std::filesystem::read_symlink(entry.path(), gone) == target) ++count;
    }
    return count;
}

// Catch's assertions are for the test's own thread; other threads throw into ThreadFailures.
void expect_one_customer(SqliteStore& store) {
    if (all_customers(store).size() != 1) throw std::runtime_error("expected to read one customer");
}

}  // namespace

TEST_CASE("sqlite: a thread's connection closes when the thread exits, and a waiting thread's when the store closes",
          "[contract][sqlite][concurrency]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    {
        SqliteStore writing({.path = path});
        insert_customers(writing, {1});
    }
    // Only reads from here: no commit wakes the checkpointer, which opens a connection of its own.
    std::optional<SqliteStore> store(std::in_place, SqliteOptions{.path = path});
    ThreadFailures failures;
    const auto read_on_a_new_thread = [&] {
        std::thread([&] { failures.run([&] { expect_one_customer(*store); }); }).join();
    };
    // SQLite keeps the descriptor of a closed connection open while another connection of the
    // process holds a lock on the file (closing it would drop that lock) and gives it to the
    // next connection it opens: so a thread that came and went may leave one behind, not more.
    read_on_a_new_thread();
    const int after_one_thread = open_descriptors_of(path);
    for (int n = 0; n < 8; ++n) read_on_a_new_thread();
    failures.rethrow();
    CHECK(open_descriptors_of(path) == after_one_thread);

    // A thread that read and now waits keeps its connection until the store closes.
    std::promise<void> has_read;
    std::promise<void> may_leave;
    std::thread waiting([&, leave = may_leave.get_future()] {
        failures.run([&] { expect_one_customer(*store); });
        has_read.set_value();
        leave.wait();  // then exits: its slot of the closed store is dropped, nothing else
    });
    has_read.get_future().wait();
    // Reads on this thread reuse its one connection, however many there are.
    const int while_waiting = open_descriptors_of(path);
    for (int n = 0; n < 5; ++n) CHECK(all_customers(*store).size() == 1);
    CHECK(open_descriptors_of(path) == while_waiting);
    store.reset();
    CHECK(open_descriptors_of(path) == 0);
    may_leave.set_value();
    waiting.join();
    failures.rethrow();
}

// Group commit (run_write): what only the SQLite store can show.

namespace {

// Inserts customer n through run_write; false when the store refused with StoreUnavailable.
bool write_through_writer(SqliteStore& store, const jambo::core::Customer& candidate) {
    try {
        store.run_write([&](jambo::core::Transaction& tx) {
            if (!tx.customers().insert(candidate)) throw std::runtime_error("insert refused");
            return true;
        });
        return true;
    } catch (const jambo::core::StoreUnavailable&) {
        return false;
    }
}

std::uintmax_t file_size_or_zero(const std::string& path) {
    std::error_code ignored;
    const auto size = std::filesystem::file_size(path, ignored);
    return ignored ? 0 : size;
}

// Inserts customers 0 to count - 1 through run_write from four threads at once, so that
// commits follow each other without a pause; rethrows the first failure.
void write_from_threads(SqliteStore& store, std::uint64_t count) {
    constexpr std::uint64_t threads = 4;
    on_threads(threads, [&](std::uint64_t t) {
        for (std::uint64_t n = t; n < count; n += threads) {
            if (!write_through_writer(store, customer(n))) throw std::runtime_error("write refused");
        }
    });
}

}  // namespace

TEST_CASE("sqlite: writes queued behind another writer commit together, each keeping only its own work",
          "[contract][sqlite][run_write][concurrency]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path});
    // While another transaction holds the write lock, the callers pile up into one batch.
    auto blocker = store.begin(jambo::core::TransactionMode::write);
    REQUIRE(blocker->customers().insert(customer(1'000)).has_value());
    constexpr std::uint64_t callers = 30;
    ThreadFailures failures;
    std::vector<std::thread> workers;
    for (std::uint64_t n = 0; n < callers; ++n) {
        workers.emplace_back([&, n] { failures.run([&] { run_write_test::write_one(store, n); }); });
    }
    std::this_thread::sleep_for(200ms);
    blocker->commit();
    blocker.reset();
    for (auto& worker : workers) worker.join();
    failures.rethrow();
    std::vector<jambo::core::Customer> expected;
    for (std::uint64_t n = 0; n < callers; ++n) {
        if (run_write_test::outcome_of(n) == run_write_test::Outcome::keep) expected.push_back(customer(n));
    }
    expected.push_back(customer(1'000));
    CHECK(all_customers(store) == expected);
    CHECK(integrity(path) == "ok");
}

TEST_CASE("sqlite: every run_write that returned survives the process being killed",
          "[contract][sqlite][run_write][crash]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    { SqliteStore create({.path = path}); }
    std::vector<std::uint64_t> reported;
    for (std::uint64_t round = 0; round < 8; ++round) {
        int pipe_fds[2];
        REQUIRE(pipe(pipe_fds) == 0);
        const pid_t child = fork_child([&] {
            close(pipe_fds[0]);
            SqliteStore store({.path = path});
            std::vector<std::thread> writers;
            for (std::uint64_t t = 0; t < 8; ++t) {
                writers.emplace_back([&, t] {
                    for (std::uint64_t n = round * 1'000'000 + t * 100'000;; ++n) {
                        if (!write_through_writer(store, customer(n))) _exit(6);
                        if (write(pipe_fds[1], &n, sizeof n) != sizeof n) _exit(5);
                    }
                });
            }
            for (auto& writer : writers) writer.join();
        });
        INFO("round " << round);
        const auto got = crash_round(child, pipe_fds, std::chrono::milliseconds(20 + 10 * round));
        reported.insert(reported.end(), got.begin(), got.end());
    }
    REQUIRE(integrity(path) == "ok");
    SqliteStore store({.path = path});
    reading(store, [&](jambo::core::Transaction& tx) {
        CHECK(missing_commits(tx, reported) == 0);
        CHECK(tx.customers().count() >= reported.size());
    });
}

TEST_CASE("sqlite: when the disk fills during group commits, exactly the writes reported done are stored",
          "[contract][sqlite][run_write][failure]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path, .max_size_bytes = 256 * 1024});
    constexpr std::uint64_t threads = 6;
    std::mutex mutex;
    std::vector<jambo::core::Customer> stored;
    std::vector<jambo::core::Customer> refused;
    on_threads(threads, [&](std::uint64_t t) {
        std::size_t refusals = 0;
        for (std::uint64_t n = t; n < 3'000 && refusals < 5; n += threads) {
            auto wide = customer(n);
            wide.first_name = std::string(240, 'f') + std::to_string(n);
            wide.last_name = std::string(240, 'l') + std::to_string(n);
            const bool done = write_through_writer(store, wide);
            refusals += done ? 0 : 1;
            std::scoped_lock lock(mutex);
            (done ? stored : refused).push_back(wide);
        }
    });
    REQUIRE_FALSE(refused.empty());
    std::sort(stored.begin(), stored.end(), [](const auto& a, const auto& b) { return a.ulid < b.ulid; });
    CHECK(all_customers(store) == stored);
    CHECK(store.healthy());
    CHECK(integrity(path) == "ok");
}

TEST_CASE("sqlite: the WAL stays near its bound under constant writes and is emptied once they stop",
          "[contract][sqlite][run_write][checkpoint]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    SqliteStore store({.path = path, .checkpoint_pages = 50, .wal_bound_pages = 200});
    std::atomic<bool> writing{true};
    std::uintmax_t largest = 0;
    std::thread watcher([&] {
        while (writing) {
            largest = std::max(largest, file_size_or_zero(path + "-wal"));
            std::this_thread::sleep_for(2ms);
        }
    });
    try {
        write_from_threads(store, 6'000);
    } catch (...) {
        writing = false;
        watcher.join();
        throw;
    }
    writing = false;
    watcher.join();
    INFO("largest WAL " << largest << " bytes");
    // Unchecked, 6,000 single-row commits leave a WAL of tens of megabytes. The writer starts
    // it over past the bound, and waits for a running checkpoint to do so at twice the bound.
    CHECK(largest < 3 * 200 * 4096);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (file_size_or_zero(path + "-wal") != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    CHECK(file_size_or_zero(path + "-wal") == 0);
    CHECK(all_customers(store).size() == 6'000);
}

TEST_CASE("sqlite: the writer never waits to flush pages a background checkpoint copied",
          "[contract][sqlite][run_write][checkpoint]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    jambo::testing::DatabaseSyncWatch watch("jambo-writer");
    {
        SqliteStore store({.path = path, .checkpoint_pages = 20, .wal_bound_pages = 100});
        write_from_threads(store, 4'000);
    }
    const auto figures = watch.figures();
    INFO("the writer synced the database " << figures.syncs_by_syncer << " times; other threads wrote to it "
                                           << figures.writes_by_others << " times");
    // Not vacuous: the checkpointer copied pages, and the writer started the WAL over.
    REQUIRE(figures.writes_by_others > 0);
    REQUIRE(figures.syncs_by_syncer > 0);
    // Each RESTART syncs the database under the write lock. The checkpointer syncs what it
    // copied before it lets go of the checkpoint lock, so that sync has only the RESTART's own
    // pages to flush.
    CHECK(figures.largest_wait == 0);
}

TEST_CASE("sqlite: submit_write returns at once and calls done on the writer after the commit",
          "[contract][sqlite][submit_write]") {
    TempDir dir;
    SqliteStore store({.path = dir.file("jambo.db")});
    CHECK(store.queues_writes());
    std::promise<void> open_gate;
    auto gate = open_gate.get_future();
    std::atomic<bool> ran{false};
    std::promise<std::string> done_on;
    store.submit_write(
        [&](jambo::core::Transaction& tx) {
            gate.wait();  // the caller must already have its answer from submit_write
            ran = true;
            return tx.customers().insert(customer(1)).has_value();
        },
        [&](std::exception_ptr failure) {
            char name[16] = {};
            pthread_getname_np(pthread_self(), name, sizeof name);
            done_on.set_value(failure ? std::string("failed") : std::string(name));
        });
    CHECK_FALSE(ran);
    open_gate.set_value();
    CHECK(done_on.get_future().get() == "jambo-writer");
    CHECK(ran);
    CHECK(all_customers(store) == std::vector{customer(1)});
}

TEST_CASE("sqlite: a closing store commits what was submitted and calls every done",
          "[contract][sqlite][submit_write]") {
    TempDir dir;
    const auto path = dir.file("jambo.db");
    constexpr std::uint64_t count = 200;
    std::atomic<std::uint64_t> committed{0};
    {
        SqliteStore store({.path = path});
        for (std::uint64_t n = 0; n < count; ++n) {
            store.submit_write([n](jambo::core::Transaction& tx) { return tx.customers().insert(customer(n)).has_value(); },
                               [&](std::exception_ptr failure) {
                                   if (!failure) ++committed;
                               });
        }
    }
    CHECK(committed == count);
    SqliteStore reopened({.path = path});
    CHECK(all_customers(reopened).size() == count);
}

TEST_CASE("sqlite: group commits journal their savepoints in memory, not in temporary files",
          "[contract][sqlite][run_write]") {
    TempDir dir;
    TempDir temporary;
    // First: opening the store configures SQLite, which must happen before anything else
    // initialises it (sqlite3_mprintf would).
    SqliteStore store({.path = dir.file("jambo.db")});
    // SQLite's own override of where its temporary files go, read at every file it creates;
    // it never frees a value it did not allocate, and gets the old one back below.
    std::string temporary_path = temporary.file("");
    char* const previous = sqlite3_temp_directory;
    sqlite3_temp_directory = temporary_path.data();
    const int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(watch >= 0);
    REQUIRE(inotify_add_watch(watch, temporary_path.c_str(), IN_CREATE) >= 0);
    write_from_threads(store, 6'000);
    // One write that renames 40 customers spread over the table changes 40 leaves: its
    // savepoint journals 160 KiB, past SQLite's default limit of 64 KiB.
    store.run_write([](jambo::core::Transaction& tx) {
        for (std::uint64_t n = 0; n < 6'000; n += 150) {
            auto renamed = customer(n);
            renamed.first_name = "Renamed";
            run_write_test::must(tx.customers().update(renamed).has_value(), "update");
        }
        return true;
    });
    std::array<char, 4096> events{};
    const auto got = read(watch, events.data(), events.size());
    const int read_error = errno;
    close(watch);
    sqlite3_temp_directory = previous;
    const auto stored = all_customers(store);
    CHECK(stored.size() == 6'000);
    CHECK(stored[150].first_name == "Renamed");
    INFO("bytes of inotify events: " << got);
    CHECK(got == -1);
    CHECK(read_error == EAGAIN);
}

// Run alone (ctest runs each case in a process of its own), this is SQLite's first use here.
TEST_CASE("sqlite: reading a schema version first still leaves SQLite configured as the store needs",
          "[contract][sqlite]") {
    TempDir dir;
    const auto path = dir.file("other.db");
    // A jambo file made by another program, so that nothing in this process has used SQLite.
    REQUIRE(std::system(("sqlite3 '" + path + "' 'PRAGMA application_id = 1246577231; PRAGMA user_version = 3; "
                         "CREATE TABLE t (x);' > /dev/null 2>&1")
                            .c_str()) == 0);
    CHECK(SqliteStore::schema_version_of(path) == 3);
    SqliteStore store({.path = dir.file("jambo.db")});
    insert_customers(store, {1, 2, 3});
    // The allocation statistic is off (its global mutex costs every request): it reads 0.
    CHECK(sqlite3_memory_used() == 0);
}
