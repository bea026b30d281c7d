#include "db_inspect.hpp"
#include <jambo/core/version.hpp>
#include "e2e_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

using namespace jambo::testing;

namespace {

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::ranges::count(text, '\n')); }

const std::regex token_line(R"(jmb_[A-Za-z0-9_-]{43}\n)");

}  // namespace

TEST_CASE("jambo --help - --version - and bad flags", "[e2e]") {
    WorkDir dir;
    auto help = run_jambo(dir, {"--help"});
    CHECK(help.status == 0);
    for (auto name : {"serve", "migrate", "staff", "token", "backup", "restore"}) {
        CHECK(help.out.find(name) != std::string::npos);
    }
    auto version = run_jambo(dir, {"--version"});
    CHECK(version.status == 0);
    CHECK(version.out == "jambo " + std::string(jambo::core::version) + "\n");
    for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"}, {"serve", "--threads", "x"},
                                                                  {"staff", "add"}, {"token"}}) {
        auto bad = run_jambo(dir, args);
        CHECK(bad.status == 2);
        CHECK(lines(bad.err) == 1);
        CHECK(bad.out.empty());
    }
    auto bad_env = run_jambo(dir, {"serve"}, {{"JAMBO_CONFIRM_ON_GET", "sometimes"}});
    CHECK(bad_env.status == 2);
    CHECK(bad_env.err.find("confirm-on-get") != std::string::npos);
}

TEST_CASE("the admin commands work on the database a running server uses", "[e2e]") {
    WorkDir dir;
    JamboServer server(dir);
    HttpClient client(server.port());

    auto added = run_jambo(dir, {"staff", "add", "--email", "Ops@Example.org", "--name", "Ops", "--db", dir.db()});
    REQUIRE(added.status == 0);
    CHECK(std::regex_match(added.out, token_line));
    auto staff = added.out.substr(0, added.out.size() - 1);
    CHECK(client.request("GET", "/api/customers", auth(staff)).status == 200);
    auto duplicate = run_jambo(dir, {"staff", "add", "--email", "ops@example.org", "--db", dir.db()});
    CHECK(duplicate.status == 1);
    CHECK(lines(duplicate.err) == 1);

    auto listed = run_jambo(dir, {"staff", "list", "--db", dir.db()});
    CHECK(listed.status == 0);
    CHECK(listed.out.find("Ops") != std::string::npos);

    auto created = body_of(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(3))));
    auto ulid = text(created.at("body").at("ulid"));
    auto issued = run_jambo(dir, {"token", "issue", "--customer", ulid, "--db", dir.db()});
    REQUIRE(issued.status == 0);
    CHECK(std::regex_match(issued.out, token_line));
    auto second_token = issued.out.substr(0, issued.out.size() - 1);
    CHECK(client.request("GET", "/api/customer/" + ulid, auth(second_token)).status == 200);
    auto for_staff = run_jambo(dir, {"token", "issue", "--staff", "ops@example.org", "--db", dir.db()});
    CHECK(for_staff.status == 0);
    CHECK(run_jambo(dir, {"token", "issue", "--customer", "01HWJ8WH9X8WBK65EMGY9YKPBS", "--db", dir.db()}).status == 1);

    CHECK(run_jambo(dir, {"token", "revoke", second_token, "--db", dir.db()}).status == 0);
    CHECK(client.request("GET", "/api/customer/" + ulid, auth(second_token)).status == 401);
    CHECK(run_jambo(dir, {"token", "revoke", second_token, "--db", dir.db()}).status == 1);
    // From standard input, out of the process list and the shell's history.
    const auto staff_token = for_staff.out.substr(0, for_staff.out.size() - 1);
    CHECK(client.request("GET", "/api/customers", auth(staff_token)).status == 200);
    CHECK(run_jambo_with_input(dir, {"token", "revoke", "-", "--db", dir.db()}, staff_token + "\n").status == 0);
    CHECK(client.request("GET", "/api/customers", auth(staff_token)).status == 401);
    auto nothing = run_jambo_with_input(dir, {"token", "revoke", "-", "--db", dir.db()}, "");
    CHECK(nothing.status == 1);
    CHECK(nothing.err == "jambo: no token on standard input (give it as one line: echo \"$TOKEN\" | jambo token revoke -)\n");
    // A lost laptop: every token of the account goes, none of them at hand, the server running.
    auto another = run_jambo(dir, {"token", "issue", "--staff", "ops@example.org", "--db", dir.db()});
    REQUIRE(another.status == 0);
    const auto another_token = another.out.substr(0, another.out.size() - 1);
    CHECK(client.request("GET", "/api/customers", auth(another_token)).status == 200);
    auto all_of_staff = run_jambo(dir, {"token", "revoke", "--staff", "OPS@example.org", "--db", dir.db()});
    CHECK(all_of_staff.status == 0);
    CHECK(all_of_staff.out == "revoked 2 tokens of staff account OPS@example.org\n");  // the first and this one
    CHECK(client.request("GET", "/api/customers", auth(another_token)).status == 401);
    auto all_of_customer = run_jambo(dir, {"token", "revoke", "--customer", ulid, "--db", dir.db()});
    CHECK(all_of_customer.status == 0);
    CHECK(all_of_customer.out == "revoked 1 token of customer " + ulid + "\n");  // the second was revoked above
    CHECK(client.request("GET", "/api/customer/" + ulid, auth(text(created.at("token")))).status == 401);
    CHECK(run_jambo(dir, {"token", "revoke", "--customer", ulid, "--db", dir.db()}).out ==
          "revoked 0 tokens of customer " + ulid + " (none was in use)\n");
    auto nobody = run_jambo(dir, {"token", "revoke", "--staff", "nobody@example.org", "--db", dir.db()});
    CHECK(nobody.status == 1);
    CHECK(nobody.err == "jambo: No staff account with that email.\n");
    CHECK(run_jambo(dir, {"token", "revoke", another_token, "--staff", "ops@example.org", "--db", dir.db()}).status == 2);

    auto cut_off = run_jambo(dir, {"token", "revoke", second_token.substr(0, 12), "--db", dir.db()});
    CHECK(cut_off.status == 1);
    CHECK(cut_off.err ==
          "jambo: That is not a token: it has 8 characters after jmb_ where a token has 43 (was it cut off?).\n");

    auto copy = (dir.path / "backup.db").string();
    auto backup = run_jambo(dir, {"backup", copy, "--db", dir.db()});
    REQUIRE(backup.status == 0);
    auto restored = run_jambo(dir, {"staff", "list", "--db", copy});
    CHECK(restored.out.find("Ops") != std::string::npos);
    auto into_folder = run_jambo(dir, {"backup", dir.path.string(), "--db", dir.db()});
    CHECK(into_folder.status == 1);
    CHECK(into_folder.err == "jambo: backup destination " + dir.path.string() + " is a directory; name a file in it\n");
    CHECK_FALSE(std::filesystem::exists(dir.path.string() + ".partial"));
    CHECK(run_jambo(dir, {"migrate", "--db", dir.db()}).status == 0);
    CHECK(client.request("GET", "/api/status").status == 200);
    CHECK(server.stop() == 0);
}

TEST_CASE("backup never replaces a stopped server's database - a mistyped --db loses nothing", "[e2e]") {
    WorkDir dir;
    (void)add_staff(dir, "ops@example.org");
    const auto mistyped = (dir.path / "jambo-db").string();
    // The live database named as the destination, the source mistyped: the copy would have
    // replaced every record with an empty database.
    auto swapped = run_jambo(dir, {"backup", dir.db(), "--db", mistyped});
    CHECK(swapped.status == 1);
    CHECK(swapped.err == "jambo: " + mistyped + " does not exist, and " + dir.db() +
                             " is a jambo database that its empty backup would replace; check --db (nothing was "
                             "created or changed)\n");
    CHECK_FALSE(std::filesystem::exists(mistyped));
    // Another database that exists, named by mistake: its identity is not this one's.
    (void)run_jambo(dir, {"migrate", "--db", mistyped});
    auto other = run_jambo(dir, {"backup", dir.db(), "--db", mistyped});
    CHECK(other.status == 1);
    CHECK(other.err == "jambo: backup destination " + dir.db() + " is another jambo database, not a backup of " +
                           mistyped + "; remove it or name another file\n");
    CHECK(run_jambo(dir, {"staff", "list", "--db", dir.db()}).out.find("ops@example.org") != std::string::npos);
    // Its own backups it replaces, night after night.
    const auto copy = (dir.path / "nightly.db").string();
    CHECK(run_jambo(dir, {"backup", copy, "--db", dir.db()}).status == 0);
    CHECK(run_jambo(dir, {"backup", copy, "--db", dir.db()}).status == 0);
    CHECK(run_jambo(dir, {"staff", "list", "--db", copy}).out.find("ops@example.org") != std::string::npos);
}

TEST_CASE("every command creates and migrates a database that does not exist yet", "[e2e]") {
    WorkDir dir;
    auto fresh = (dir.path / "fresh.db").string();
    auto listed = run_jambo(dir, {"staff", "list", "--db", fresh});
    CHECK(listed.status == 0);
    CHECK(listed.out.empty());
    CHECK(std::filesystem::exists(fresh));
    // For an account or a token a mistyped --db is the likelier reason: said on stderr, the
    // token alone stays on stdout.
    const auto warning_for = [](const std::string& db) {
        return "jambo: warning: " + db + " did not exist; it was created (check --db if a server uses another file)\n";
    };
    CHECK(listed.err == warning_for(fresh));
    const auto mistyped = (dir.path / "jambo-db").string();
    auto added = run_jambo(dir, {"staff", "add", "--email", "a@example.org", "--db", mistyped});
    CHECK(added.status == 0);
    CHECK(added.err == warning_for(mistyped));
    CHECK(lines(added.out) == 1);
    CHECK(run_jambo(dir, {"staff", "list", "--db", mistyped}).err.empty());  // once it exists, nothing to say
    // A command that then fails still has one line on stderr: the warning is its likely reason.
    const auto other = (dir.path / "other.db").string();
    auto unknown = run_jambo(dir, {"token", "issue", "--customer", "01M8RMRXPFWKQTHV20FXQTF3ZX", "--db", other});
    CHECK(unknown.status == 1);
    CHECK(unknown.out.empty());
    CHECK(unknown.err == "jambo: No customer with that ulid. (" + other +
                             " did not exist; it was created: check --db if a server uses another file)\n");
    auto env_db = run_jambo(dir, {"migrate"}, {{"JAMBO_DB", (dir.path / "env.db").string()}});
    CHECK(env_db.status == 0);
    CHECK(env_db.err.find(" created at schema version ") != std::string::npos);
    auto again = run_jambo(dir, {"migrate"}, {{"JAMBO_DB", (dir.path / "env.db").string()}});
    CHECK(again.err.find(" (nothing to migrate)") != std::string::npos);
    CHECK(std::filesystem::exists(dir.path / "env.db"));
    // A backup of a mistyped path succeeds too, but says its copy is empty.
    auto typo = (dir.path / "typo.db").string();
    auto backup = run_jambo(dir, {"backup", (dir.path / "nightly.db").string(), "--db", typo});
    CHECK(backup.status == 0);
    CHECK(backup.err == "jambo: warning: " + typo + " did not exist; it was created, and the backup is empty\n");
    CHECK(run_jambo(dir, {"backup", (dir.path / "again.db").string(), "--db", typo}).err.empty());
    // A newline in a path the error names does not break the error's one line.
    auto broken = run_jambo(dir, {"migrate", "--db", (dir.path / "no such dir\nx" / "a.db").string()});
    CHECK(broken.status == 1);
    CHECK(broken.err.starts_with("jambo: "));
    CHECK(std::count(broken.err.begin(), broken.err.end(), '\n') == 1);
}

TEST_CASE("a database an older server has open is not migrated under it - serve logs a migration", "[e2e]") {
    WorkDir dir;
    REQUIRE(run_jambo(dir, {"migrate", "--db", dir.db()}).status == 0);
    // The version 3 shape, as an older jambo left it.
    REQUIRE(sqlite_write(dir, "ALTER TABLE deletion_tokens RENAME COLUMN email_digest TO email_key; "
                              "DROP TABLE database_identity; ALTER TABLE outbox DROP COLUMN expires_at; "
                              "PRAGMA user_version = 3;"));
    {
        const SqliteShell older_server(dir, "SELECT count(*) FROM customers;", 3);
        for (const auto& command : {std::vector<std::string>{"backup", (dir.path / "b.db").string()},
                                     std::vector<std::string>{"staff", "list"}, std::vector<std::string>{"migrate"}}) {
            auto args = command;
            args.insert(args.end(), {"--db", dir.db()});
            auto refused = run_jambo(dir, args);
            INFO(command.front());
            CHECK(refused.status == 1);
            CHECK(refused.err == "jambo: database " + dir.db() +
                                     " is at schema version 3 and open in another process (an older jambo serve?); this "
                                     "version would migrate it to 8 under that process: stop it first, then run this "
                                     "command again (docs/operations.md, Upgrading)\n");
        }
        CHECK(sqlite(dir, "PRAGMA user_version;") == "3\n");
        REQUIRE(older_server.wait_until_done());
    }
    JamboServer server(dir);
    CHECK(server.log().find("database " + dir.db() + " migrated from schema version 3 to 8") != std::string::npos);
    CHECK(server.stop() == 0);
    CHECK(sqlite(dir, "PRAGMA user_version;") == "8\n");
}

TEST_CASE("restore puts a backup back - and what was erased or revoked since stays so", "[e2e]") {
    WorkDir dir;
    const auto backup = (dir.path / "monday.db").string();
    std::string staff;
    std::string kept;
    std::string erased;
    std::string erased_token;
    std::string revoked;
    {
        JamboServer server(dir);
        HttpClient client(server.port());
        staff = run_jambo(dir, {"staff", "add", "--email", "ops@example.org", "--db", dir.db()}).out;
        staff.pop_back();
        kept = text(body_of(client.request("POST", "/api/customers", json_headers(),
                                           boost::json::serialize(new_customer(1))))
                        .at("body")
                        .at("ulid"));
        auto second = body_of(client.request("POST", "/api/customers", json_headers(),
                                             boost::json::serialize(new_customer(2))));
        erased = text(second.at("body").at("ulid"));
        erased_token = text(second.at("token"));
        revoked = run_jambo(dir, {"token", "issue", "--staff", "ops@example.org", "--db", dir.db()}).out;
        revoked.pop_back();
        REQUIRE(run_jambo(dir, {"backup", backup, "--db", dir.db()}).status == 0);
        // After the backup: an erasure and a revocation.
        REQUIRE(client.request("DELETE", "/api/customer/" + erased, auth(erased_token)).status == 204);
        REQUIRE(run_jambo(dir, {"token", "revoke", revoked, "--db", dir.db()}).status == 0);

        auto while_serving = run_jambo(dir, {"restore", backup, "--db", dir.db()});
        CHECK(while_serving.status == 1);
        CHECK(while_serving.err == "jambo: database " + dir.db() +
                                       " is in use by a running jambo serve or another jambo restore; stop it first (a "
                                       "restore replaces the file)\n");
        CHECK(server.stop() == 0);
    }
    // The backup as an older jambo made it, before databases had an identity; and tonight's
    // backup of the live database, which tomorrow's will replace.
    REQUIRE(std::system(("sqlite3 -batch -bail '" + backup +
                         "' 'DROP TABLE database_identity; ALTER TABLE outbox DROP COLUMN expires_at; PRAGMA user_version = 4;' > /dev/null")
                            .c_str()) == 0);
    const auto nightly = (dir.path / "nightly.db").string();
    REQUIRE(run_jambo(dir, {"backup", nightly, "--db", dir.db()}).status == 0);
    const auto identity = sqlite(dir, "SELECT id FROM database_identity;");
    const auto before = sqlite_dump(dir);
    auto not_a_backup = run_jambo(dir, {"restore", (dir.path / "nothing.db").string(), "--db", dir.db()});
    CHECK(not_a_backup.status == 1);
    CHECK(not_a_backup.err == "jambo: backup " + (dir.path / "nothing.db").string() + " does not exist\n");
    std::ofstream(dir.path / "notes.txt") << "not a database at all, just some text that is long enough to look at\n";
    auto foreign = run_jambo(dir, {"restore", (dir.path / "notes.txt").string(), "--db", dir.db()});
    CHECK(foreign.status == 1);
    CHECK(foreign.err == "jambo: backup " + (dir.path / "notes.txt").string() +
                             " is not a jambo database (not made by jambo backup); nothing was changed\n");
    // A sqlite3 shell with the database open would go on with the replaced file.
    const SqliteShell shell(dir, "SELECT count(*) FROM customers;", 3);
    auto while_open = run_jambo(dir, {"restore", backup, "--db", dir.db()});
    CHECK(while_open.status == 1);
    CHECK(while_open.err == "jambo: database " + dir.db() +
                                " is open in another process (a sqlite3 shell, a jambo command, a backup in progress); "
                                "close it first\n");
    REQUIRE(shell.wait_until_done());
    CHECK(sqlite_dump(dir) == before);  // a refused restore changes nothing
    CHECK_FALSE(std::filesystem::exists(dir.db() + ".restoring"));

    auto restored = run_jambo(dir, {"restore", backup, "--db", dir.db()});
    CHECK(restored.status == 0);
    CHECK(restored.out.empty());
    CHECK(restored.err == "jambo: " + dir.db() + " restored from " + backup +
                              "; made again since that backup: 1 erasure(s), 1 token revocation(s); not sent again: 0 "
                              "queued message(s) the replaced database had sent or given up\n");
    CHECK(std::filesystem::status(dir.db()).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    // Still the same database: its nightly backup goes on replacing the last one.
    CHECK(sqlite(dir, "SELECT id FROM database_identity;") == identity);
    CHECK(run_jambo(dir, {"backup", nightly, "--db", dir.db()}).status == 0);

    JamboServer server(dir);
    HttpClient client(server.port());
    CHECK(client.request("GET", "/api/customer/" + kept, auth(staff)).status == 200);   // the backup's data is back
    CHECK(client.request("GET", "/api/customer/" + erased, auth(staff)).status == 404);  // the erasure held
    CHECK(client.request("GET", "/api/customers", auth(erased_token)).status == 401);
    CHECK(client.request("GET", "/api/customers", auth(revoked)).status == 401);        // so did the revocation
    CHECK(server.stop() == 0);
    // The erasure and the revocation keep their own record (how, and when: before the restore),
    // and the restore adds one of its own.
    CHECK(sqlite(dir, "SELECT detail FROM audit_log WHERE event = 'customer.erased' AND subject = '" + erased + "';") ==
          "self\n");
    CHECK(sqlite_number(dir, "SELECT count(*) FROM audit_log WHERE event = 'token.revoked' AND detail = 'staff';") == 1);
    CHECK(sqlite_number(dir, "SELECT count(*) FROM audit_log e, audit_log r WHERE e.event = 'customer.erased' AND "
                             "r.event = 'database.restored' AND e.at < r.at;") == 1);
    CHECK(sqlite(dir, "SELECT detail FROM audit_log WHERE event = 'database.restored';") ==
          "erased again: 1; tokens revoked again: 1; handled mail dropped: 0\n");
}

TEST_CASE("restore does not send again the mail the replaced database sent after the backup", "[e2e]") {
    WorkDir dir;
    const auto backup = (dir.path / "backup.db").string();
    std::vector<std::pair<std::string, std::string>> customers;  // ulid, token
    {
        // The mail server is down: both deletion mails are still queued when the backup is made.
        JamboServer server(dir, {"--smtp-url", "smtp://127.0.0.1:" + std::to_string(closed_port()),
                                 "--mail-retry-first", "1s"});
        HttpClient client(server.port());
        for (int n = 1; n <= 2; ++n) {
            auto created = body_of(client.request("POST", "/api/customers", json_headers(),
                                                  boost::json::serialize(new_customer(n))));
            customers.emplace_back(text(created.at("body").at("ulid")), text(created.at("token")));
            REQUIRE(client.request("POST", "/api/customer/" + customers.back().first + "/delete/request",
                                   auth(customers.back().second))
                        .status == 200);
        }
        REQUIRE(run_jambo(dir, {"backup", backup, "--db", dir.db()}).status == 0);
        CHECK(server.stop() == 0);
    }
    {
        JamboServer server(dir, {"--mail-retry-first", "1s"});  // mail goes out now, as files
        (void)wait_for_mail(dir.mail_dir(), 2);
        CHECK(server.stop() == 0);
    }
    std::set<std::string> links_sent;
    for (const auto& entry : std::filesystem::directory_iterator(dir.mail_dir())) {
        links_sent.insert(deletion_token_in(read_file(entry.path())));
    }
    REQUIRE(links_sent.size() == 2);
    REQUIRE(sqlite_number(dir, "SELECT count(*) FROM outbox;") == 0);

    auto restored = run_jambo(dir, {"restore", backup, "--db", dir.db()});
    CHECK(restored.status == 0);
    CHECK(restored.err == "jambo: " + dir.db() + " restored from " + backup +
                              "; made again since that backup: 0 erasure(s), 0 token revocation(s); not sent again: 2 "
                              "queued message(s) the replaced database had sent or given up\n");
    CHECK(sqlite_number(dir, "SELECT count(*) FROM outbox;") == 0);
    // The deliveries are recorded in the restored database too, for a restore of a newer backup.
    CHECK(sqlite_number(dir, "SELECT count(*) FROM audit_log WHERE event = 'mail.delivered' AND detail LIKE "
                             "'file; message jambo.%';") == 2);

    // A new request's mail arrives alone: the two that went out before the restore stay sent once.
    JamboServer server(dir);
    HttpClient client(server.port());
    REQUIRE(client.request("POST", "/api/customer/" + customers[0].first + "/delete/request", auth(customers[0].second))
                .status == 200);
    const auto link = deletion_token_in(wait_for_mail(dir.mail_dir(), 3));
    CHECK_FALSE(links_sent.contains(link));  // the third mail is the new one, not a second copy
    CHECK(client.request("POST", "/api/customer/" + link + "/delete/confirm").status == 200);
    CHECK(server.stop() == 0);
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.mail_dir())) files += entry.path().extension() == ".eml";
    CHECK(files == 3);
}

TEST_CASE("restore refuses an empty or damaged backup - follows a symlinked database - serve clears a cut-short copy",
          "[e2e]") {
    WorkDir dir;
    {
        JamboServer server(dir);
        HttpClient client(server.port());
        for (int n = 0; n < 40; ++n) {
            REQUIRE(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(n)))
                        .status == 201);
        }
        CHECK(server.stop() == 0);
    }
    const auto backup = (dir.path / "good.db").string();
    REQUIRE(run_jambo(dir, {"backup", backup, "--db", dir.db()}).status == 0);
    const auto before = sqlite_dump(dir);

    // A failed backup job's empty file would have made an empty database.
    const auto empty = (dir.path / "empty.db").string();
    std::ofstream(empty).close();
    auto refused = run_jambo(dir, {"restore", empty, "--db", dir.db()});
    CHECK(refused.status == 1);
    CHECK(refused.err == "jambo: backup " + empty + " is not a jambo database (it is empty); nothing was changed\n");

    // A page of the backup overwritten: SQLite's integrity check finds it before anything changes.
    const auto damaged = (dir.path / "damaged.db").string();
    std::filesystem::copy_file(backup, damaged);
    {
        std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(4096 + 8);
        const std::string garbage(2000, '\x5a');
        file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    auto broken = run_jambo(dir, {"restore", damaged, "--db", dir.db()});
    CHECK(broken.status == 1);
    CHECK(broken.err.starts_with("jambo: backup " + damaged + " is damaged ("));
    CHECK(lines(broken.err) == 1);
    CHECK(sqlite_dump(dir) == before);
    CHECK_FALSE(std::filesystem::exists(dir.db() + ".restoring"));

    // Through a symbolic link, the file it points to is restored; the link stays a link.
    const auto link = (dir.path / "link.db").string();
    std::filesystem::create_symlink(dir.db(), link);
    CHECK(run_jambo(dir, {"restore", backup, "--db", link}).status == 0);
    CHECK(std::filesystem::is_symlink(link));
    CHECK(sqlite_number(dir, "SELECT count(*) FROM customers;") == 40);

    // A restore killed halfway leaves its working copy, the backup's data; a server removes it.
    std::filesystem::copy_file(backup, dir.db() + ".restoring");
    JamboServer server(dir);
    CHECK_FALSE(std::filesystem::exists(dir.db() + ".restoring"));
    CHECK(server.log().find("the working copy of a jambo restore that did not finish") != std::string::npos);
    CHECK(server.stop() == 0);
}
