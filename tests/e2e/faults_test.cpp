// The server on its worst day: the disk fills up under it, and it is killed in the middle of a
// write burst. Whatever it acknowledged must survive both; the database must stay sound.

#include "db_inspect.hpp"
#include "e2e_support.hpp"
#include "read_only_file.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace jambo::testing;
using namespace std::chrono_literals;

namespace {

// A small tmpfs mounted for the test (needs root, as CI and the dev machines run); a test
// without one says so and checks nothing.
class SmallDisk {
public:
    SmallDisk(std::filesystem::path where, const std::string& size) : path_(std::move(where)) {
        std::filesystem::create_directories(path_);
        auto command = "mount -t tmpfs -o size=" + size + ",mode=0700 jambo-test '" + path_.string() + "' 2>/dev/null";
        mounted_ = std::system(command.c_str()) == 0;
    }
    ~SmallDisk() {
        if (mounted_) (void)std::system(("umount -l '" + path_.string() + "'").c_str());
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    [[nodiscard]] bool mounted() const { return mounted_; }
    [[nodiscard]] std::string db() const { return (path_ / "jambo.db").string(); }
    [[nodiscard]] bool remount_read_only() const {
        return std::system(("mount -o remount,ro '" + path_.string() + "' 2>/dev/null").c_str()) == 0;
    }

    /// Writes a filler file until the disk refuses another byte.
    void fill() {
        std::FILE* file = std::fopen(filler().c_str(), "wb");
        REQUIRE(file != nullptr);
        std::setvbuf(file, nullptr, _IONBF, 0);
        std::string block(4096, 'f');
        while (std::fwrite(block.data(), 1, block.size(), file) == block.size()) {
        }
        std::fwrite(block.data(), 1, 1, file);  // the last partial page
        std::fclose(file);
    }
    void free_space() { std::filesystem::remove(filler()); }

private:
    std::filesystem::path path_;
    bool mounted_ = false;
    [[nodiscard]] std::string filler() const { return (path_ / "filler").string(); }
};

struct Created {
    std::string ulid;
    std::string token;
};

std::optional<Created> create(HttpClient& client, int n, unsigned* status = nullptr) {
    auto response = client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(n)));
    if (status != nullptr) *status = response.status;
    if (response.status != 201) return std::nullopt;
    auto body = body_of(response);
    return Created{text(body.at("body").at("ulid")), text(body.at("token"))};
}

std::set<std::string> stored_ulids(const WorkDir& dir) {
    std::set<std::string> out;
    std::istringstream rows(sqlite(dir, "SELECT ulid FROM customers;"));
    for (std::string row; std::getline(rows, row);) out.insert(row);
    return out;
}

}  // namespace

TEST_CASE("a full disk: writes answer 503 - reads are still served - and with room again writes succeed - nothing "
          "acknowledged is lost",
          "[e2e]") {
    WorkDir dir;
    SmallDisk disk(dir.path / "disk", "3m");
    if (!disk.mounted()) {
        WARN("cannot mount a tmpfs here (not root?): the full-disk test checks nothing");
        return;
    }
    std::vector<Created> acknowledged;
    {
        JamboServer server(dir, {"--db", disk.db()});
        HttpClient client(server.port());
        for (int i = 1; i <= 20; ++i) {
            auto created = create(client, i);
            REQUIRE(created);
            acknowledged.push_back(*created);
        }

        disk.fill();
        unsigned status = 0;
        int n = 100;
        HttpResponse refused;
        for (; n < 400 && status != 503; ++n) {
            auto response = client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(n)));
            status = response.status;
            if (status == 201) {
                auto body = body_of(response);
                acknowledged.push_back(Created{text(body.at("body").at("ulid")), text(body.at("token"))});
            } else {
                refused = response;
            }
        }
        REQUIRE(status == 503);
        CHECK(body_of(refused).at("body") == "Service unavailable.");
        CHECK(server.log().find("full") != std::string::npos);  // the operator learns why

        // Reads go on: each customer sees itself, the list of countries and the status answer.
        for (std::size_t i = 0; i < acknowledged.size(); i += 5) {
            CHECK(client.request("GET", "/api/customer/" + acknowledged[i].ulid, auth(acknowledged[i].token)).status == 200);
        }
        CHECK(client.request("GET", "/api/nationalities").status == 200);
        auto patch = client.request("PATCH", "/api/customers", json_headers(acknowledged[0].token), R"({"first_name":"Full"})");
        CHECK(patch.status == 503);

        disk.free_space();
        std::optional<Created> again;
        for (int attempt = 0; attempt < 20 && !again; ++attempt) {
            again = create(client, n + attempt);
            if (!again) std::this_thread::sleep_for(100ms);
        }
        REQUIRE(again);
        acknowledged.push_back(*again);
        CHECK(client.request("PATCH", "/api/customers", json_headers(acknowledged[0].token), R"({"first_name":"Roomy"})").status ==
              200);
        CHECK(server.stop() == 0);
    }
    WorkDir inspect;  // sqlite() reads <dir>/jambo.db: point a second WorkDir at a copy
    std::filesystem::copy_file(disk.db(), inspect.db());
    auto stored = stored_ulids(inspect);
    for (const auto& customer : acknowledged) CHECK(stored.contains(customer.ulid));
    CHECK(stored.size() == acknowledged.size());
    CHECK(store_invariant_violations(inspect).empty());
    CHECK(sqlite(inspect, "SELECT first_name FROM customers WHERE ulid = '" + acknowledged[0].ulid + "';") == "Roomy\n");
}

TEST_CASE("SIGKILL in the middle of a write burst: after a restart every acknowledged write is there - the database is "
          "sound - queued mail is still queued",
          "[e2e]") {
    WorkDir dir;
    const std::vector<std::string> args{"--smtp-url", "smtp://127.0.0.1:" + std::to_string(closed_port()),
                                        "--mail-retry-first", "1h", "--threads", "4"};
    std::mutex mutex;
    std::vector<Created> acknowledged;
    {
        JamboServer server(dir, args);
        HttpClient client(server.port());
        for (int i = 9001; i <= 9005; ++i) {
            auto created = create(client, i);
            REQUIRE(created);
            acknowledged.push_back(*created);
            auto requested = client.request("POST", "/api/customer/" + created->ulid + "/delete/request", auth(created->token));
            REQUIRE(requested.status == 200);
        }

        std::atomic<bool> done{false};
        std::vector<std::thread> writers;
        for (int w = 0; w < 4; ++w) {
            writers.emplace_back([&, w] {
                HttpClient writer(server.port());
                writer.set_timeout(5000ms);
                for (int i = 0; !done; ++i) {
                    try {
                        auto created = create(writer, 10000 + w * 2000 + i % 2000);
                        if (!created) continue;
                        std::scoped_lock lock(mutex);
                        acknowledged.push_back(*created);
                    } catch (const std::exception&) {
                        return;  // the server is gone
                    }
                }
            });
        }
        std::this_thread::sleep_for(1500ms);
        CHECK(server.stop(SIGKILL) == 128 + SIGKILL);
        done = true;
        for (auto& writer : writers) writer.join();
    }
    INFO(acknowledged.size() << " writes acknowledged before the kill");
    CHECK(acknowledged.size() > 10);

    {
        JamboServer restarted(dir, args);
        HttpClient client(restarted.port());
        for (std::size_t i = 0; i < acknowledged.size(); i += 7) {
            CHECK(client.request("GET", "/api/customer/" + acknowledged[i].ulid, auth(acknowledged[i].token)).status == 200);
        }
        CHECK(restarted.stop() == 0);
    }
    auto stored = stored_ulids(dir);
    for (const auto& customer : acknowledged) CHECK(stored.contains(customer.ulid));
    CHECK(store_invariant_violations(dir).empty());
    CHECK(sqlite_number(dir, "SELECT count(*) FROM outbox;") == 5);
    CHECK(sqlite_number(dir, "SELECT count(*) FROM deletion_tokens WHERE used = 0;") == 5);
}

TEST_CASE("jambo serve refuses a database another server serves - and one it can only read", "[e2e]") {
    WorkDir dir;
    {
        JamboServer first(dir);
        // Two relays would each send every queued mail.
        CHECK_THROWS_WITH(JamboServer(dir, {"--mail-dir", (dir.path / "mail-2").string()}),
                          Catch::Matchers::Contains("is already served by another jambo serve"));
        CHECK_FALSE(add_staff(dir).empty());  // the command line still works beside it
        CHECK(first.stop() == 0);
    }
    ReadOnlyFile frozen(dir.db());
    CHECK_THROWS_WITH(JamboServer(dir), Catch::Matchers::Contains("can only be read by this process"));
}

TEST_CASE("a database on a read-only mount: the error says the mount is read-only", "[e2e]") {
    WorkDir dir;
    SmallDisk disk(dir.path / "disk", "4m");
    if (!disk.mounted()) {
        WARN("cannot mount a tmpfs here (not root?): the read-only mount test checks nothing");
        return;
    }
    REQUIRE(run_jambo(dir, {"migrate", "--db", disk.db()}).status == 0);
    REQUIRE(disk.remount_read_only());
    // SQLite alone says "unable to open database file", which sends an operator to the file's mode.
    CHECK_THROWS_WITH(JamboServer(dir, {"--db", disk.db()}), Catch::Matchers::Contains("is mounted read-only"));
    auto listed = run_jambo(dir, {"staff", "list", "--db", disk.db()});
    CHECK(listed.status == 1);
    CHECK(listed.err.find("is mounted read-only") != std::string::npos);
}

TEST_CASE("a database in a directory this process cannot write: the error names the directory", "[e2e]") {
    WorkDir dir;
    const auto locked = dir.path / "locked";
    std::filesystem::create_directory(locked);
    const auto db = (locked / "jambo.db").string();
    REQUIRE(run_jambo(dir, {"migrate", "--db", db}).status == 0);
    // The file stays writable; SQLite cannot make its -wal and -shm beside it.
    jambo::testing::ReadOnlyFile frozen(locked.string());
    const auto expected = "this process cannot write its directory " + locked.string() +
                          ", where SQLite keeps the -wal and -shm files beside it";
    auto listed = run_jambo(dir, {"staff", "list", "--db", db});
    CHECK(listed.status == 1);
    CHECK(listed.err.find(expected) != std::string::npos);
    CHECK_THROWS_WITH(JamboServer(dir, {"--db", db}), Catch::Matchers::Contains(expected));
}

TEST_CASE("no thread for a write request: that request gets 503 - and the server keeps serving", "[e2e]") {
    // The blocking pool starts its threads on demand; at the process's thread limit that used
    // to throw on the I/O thread and stop the whole server (outside review).
    WorkDir dir;
    JamboServer server(dir, {}, {{"LD_PRELOAD", JAMBO_NO_THREADS_FROM_IO}, {"ASAN_OPTIONS", "verify_asan_link_order=0"}});
    HttpClient client(server.port());
    const std::string link = "/api/customer/" + std::string(43, 'A') + "/delete/confirm";
    auto refused = client.request("GET", link, {{"Accept", "application/json"}});
    CHECK(refused.status == 503);
    CHECK(refused.body == R"({"statusCode":503,"body":"Server busy; try again shortly."})");
    CHECK(refused.header("Retry-After") == "1");
    CHECK(refused.header("X-Request-Id").has_value());
    CHECK(server.log().find("cannot start a thread for a write request") != std::string::npos);
    CHECK(client.request("GET", "/api/status").status == 200);
    CHECK(server.stop() == 0);
}
