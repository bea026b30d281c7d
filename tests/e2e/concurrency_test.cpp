// Eight clients at once against a server with four workers, for ~20 s (JAMBO_CONCURRENCY_SECONDS
// overrides): each creates customers, reads and edits them, deletes them (itself, by staff, and
// by the mailed link), while all race for the same e-mail addresses. Afterwards, from the
// database of the cleanly stopped server: every acknowledged write is there, nothing of a
// deleted customer is, and the store's counters and keys agree. Built and run under
// ThreadSanitizer too (the tsan preset).

#include "db_inspect.hpp"
#include "e2e_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace jambo::testing;
using namespace std::chrono_literals;

namespace {

constexpr int client_threads = 8;

std::chrono::seconds run_time() {
    const char* text = std::getenv("JAMBO_CONCURRENCY_SECONDS");
    return std::chrono::seconds(text != nullptr ? std::atoi(text) : 20);
}

// The deletion links the relay wrote as .eml files, by recipient.
class MailBox {
public:
    explicit MailBox(std::filesystem::path dir) : dir_(std::move(dir)) {}

    std::string token_for(const std::string& email, std::chrono::milliseconds wait = 10s) {
        auto deadline = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::scoped_lock lock(mutex_);
                scan();
                if (auto it = tokens_.find(email); it != tokens_.end()) return it->second;
            }
            std::this_thread::sleep_for(20ms);
        }
        return {};
    }

private:
    std::filesystem::path dir_;
    std::mutex mutex_;
    std::set<std::string> seen_;
    std::map<std::string, std::string> tokens_;

    void scan() {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
            auto name = entry.path().filename().string();
            if (entry.path().extension() != ".eml" || seen_.contains(name)) continue;
            seen_.insert(name);
            std::stringstream text;
            text << std::ifstream(entry.path()).rdbuf();
            auto mail = text.str();
            auto to = mail.find("\r\nTo: ");
            if (to == std::string::npos) continue;
            auto end = mail.find("\r\n", to + 2);
            auto header = mail.substr(to + 6, end - to - 6);
            auto open = header.rfind('<');
            auto address = open == std::string::npos ? header : header.substr(open + 1, header.size() - open - 2);
            tokens_[address] = deletion_token_in(mail);
        }
    }
};

struct Customer {
    std::string ulid;
    std::string token;
    std::string email;
    std::string first_name;
};

struct Tally {
    std::vector<Customer> live;
    std::vector<std::string> deleted;
    std::map<int, int> race_wins;  // round -> 201s this thread got
    std::set<int> race_unsure;     // rounds whose answer was neither 201 nor the duplicate 400
    int requests = 0;
    std::vector<std::string> failures;
};

class Client {
public:
    Client(std::uint16_t port, int id, const std::string& staff, MailBox& mail)
        : http_(port), id_(id), staff_(staff), mail_(mail) {}

    void run(std::chrono::steady_clock::time_point deadline) {
        for (int round = 0; std::chrono::steady_clock::now() < deadline && tally.failures.size() < 5; ++round) {
            try {
                one_round(round);
            } catch (const std::exception& e) {
                fail(round, std::string("exception: ") + e.what());
            }
        }
    }

    Tally tally;

private:
    HttpClient http_;
    int id_;
    std::string staff_;
    MailBox& mail_;

    HttpResponse call(const std::string& method, const std::string& target, const Headers& headers,
                      const std::string& body = {}) {
        ++tally.requests;
        return http_.request(method, target, headers, body);
    }

    void fail(int round, const std::string& what) {
        tally.failures.push_back("client " + std::to_string(id_) + " round " + std::to_string(round) + ": " + what);
    }

    bool expect(int round, const HttpResponse& response, unsigned status, const std::string& what) {
        if (response.status == status) return true;
        fail(round, what + ": expected " + std::to_string(status) + ", got " + std::to_string(response.status) + " " +
                        response.body);
        return false;
    }

    boost::json::object customer_fields(const std::string& email, const std::string& phone) {
        return {{"first_name", "Client" + std::to_string(id_)}, {"last_name", "Concurrent"}, {"nationality", "KE"},
                {"dob", "1980-01-01"}, {"email", email}, {"phone_number", phone}};
    }

    std::string phone(int kind, int round) {
        // 10 digits: 07, the kind, the client, then the round.
        auto digits = std::to_string(round);
        return "07" + std::to_string(kind) + std::to_string(id_) + std::string(6 - digits.size(), '0') + digits;
    }

    void one_round(int round) {
        auto email = "c" + std::to_string(id_) + "r" + std::to_string(round) + "@example.org";
        auto created = call("POST", "/api/customers", json_headers(),
                            boost::json::serialize(customer_fields(email, phone(1, round))));
        if (!expect(round, created, 201, "create")) return;
        auto body = body_of(created);
        Customer customer{text(body.at("body").at("ulid")), text(body.at("token")), email, "Client" + std::to_string(id_)};
        auto path = "/api/customer/" + customer.ulid;

        auto read = call("GET", path, auth(customer.token));
        if (expect(round, read, 200, "read own") && text(body_of(read).at("body").at("first_name")) != customer.first_name) {
            fail(round, "read own: stale first_name");
        }
        auto renamed = "Renamed" + std::to_string(id_) + "x" + std::to_string(round);
        auto patched = call("PATCH", "/api/customers", json_headers(customer.token),
                            boost::json::serialize(boost::json::object{{"first_name", renamed}}));
        if (expect(round, patched, 200, "patch self")) customer.first_name = renamed;
        auto seen = call("GET", path, auth(staff_));
        if (expect(round, seen, 200, "staff read") && text(body_of(seen).at("body").at("first_name")) != customer.first_name) {
            fail(round, "staff read after patch: stale first_name");
        }
        if (round % 5 == 0) expect(round, call("GET", "/api/customers?page_size=100", auth(staff_)), 200, "staff list");

        race(round);

        switch (round % 4) {
            case 0: tally.live.push_back(customer); break;
            case 1: remove(round, customer, customer.token); break;
            case 2: remove(round, customer, staff_); break;
            default: erase_by_link(round, customer); break;
        }
    }

    void remove(int round, const Customer& customer, const std::string& by) {
        auto deleted = call("DELETE", "/api/customer/" + customer.ulid, auth(by));
        if (!expect(round, deleted, 204, "delete")) return tally.live.push_back(customer);
        tally.deleted.push_back(customer.ulid);
        expect(round, call("GET", "/api/customer/" + customer.ulid, auth(customer.token)), 401,
               "the deleted customer's token");
        expect(round, call("GET", "/api/customer/" + customer.ulid, auth(staff_)), 404, "staff read after delete");
    }

    void erase_by_link(int round, const Customer& customer) {
        auto requested = call("POST", "/api/customer/" + customer.ulid + "/delete/request", auth(customer.token));
        if (!expect(round, requested, 200, "deletion request")) return tally.live.push_back(customer);
        auto token = mail_.token_for(customer.email);
        if (token.empty()) {
            fail(round, "no deletion mail for " + customer.email);
            return tally.live.push_back(customer);
        }
        auto confirmed = call("POST", "/api/customer/" + token + "/delete/confirm", {});
        if (!expect(round, confirmed, 200, "confirm")) return tally.live.push_back(customer);
        tally.deleted.push_back(customer.ulid);
        expect(round, call("POST", "/api/customer/" + token + "/delete/confirm", {}), 404, "the link is single use");
        expect(round, call("GET", "/api/customers", auth(customer.token)), 401, "the erased customer's token");
    }

    // Every client registers the same address each round: at most one may win.
    void race(int round) {
        auto email = "race" + std::to_string(round) + "@example.org";
        auto response = call("POST", "/api/customers", json_headers(),
                             boost::json::serialize(customer_fields(email, phone(2, round))));
        if (response.status == 201) {
            ++tally.race_wins[round];
        } else if (response.status != 400 || response.body.find("Email already exists") == std::string::npos) {
            tally.race_unsure.insert(round);
            fail(round, "race: " + std::to_string(response.status) + " " + response.body);
        }
    }
};

}  // namespace

TEST_CASE("concurrent clients create - read - update - delete and confirm while the store stays consistent", "[e2e]") {
    WorkDir dir;
    auto staff = add_staff(dir);
    std::vector<Tally> tallies;
    {
        JamboServer server(dir, {"--threads", "4", "--deletion-requests-per-hour", "1000"});
        MailBox mail(dir.mail_dir());
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < client_threads; ++i) clients.push_back(std::make_unique<Client>(server.port(), i, staff, mail));
        auto deadline = std::chrono::steady_clock::now() + run_time();
        std::vector<std::thread> threads;
        for (auto& client : clients) threads.emplace_back([&client, deadline] { client->run(deadline); });
        for (auto& thread : threads) thread.join();
        for (auto& client : clients) tallies.push_back(std::move(client->tally));
        INFO(server.log().substr(0, 4000));
        CHECK(server.stop() == 0);
    }

    std::map<std::string, std::string> expected;  // ulid -> first_name
    std::set<std::string> deleted;
    std::map<int, int> race_wins;
    std::set<int> race_unsure;
    int requests = 0;
    for (const auto& tally : tallies) {
        for (const auto& failure : tally.failures) FAIL_CHECK(failure);
        for (const auto& customer : tally.live) expected[customer.ulid] = customer.first_name;
        deleted.insert(tally.deleted.begin(), tally.deleted.end());
        for (auto [round, wins] : tally.race_wins) race_wins[round] += wins;
        race_unsure.insert(tally.race_unsure.begin(), tally.race_unsure.end());
        requests += tally.requests;
    }
    WARN(requests << " requests; " << expected.size() << " customers kept, " << deleted.size() << " deleted, "
                  << race_wins.size() << " races");
    CHECK(expected.size() >= client_threads);
    CHECK(deleted.size() >= 3 * client_threads);

    for (auto [round, wins] : race_wins) {
        INFO("race round " << round);
        CHECK(wins == 1);
    }

    // Every acknowledged write is there, with its last acknowledged value; nothing deleted is.
    std::map<std::string, std::string> stored;
    std::istringstream rows(sqlite(dir, "SELECT ulid, first_name FROM customers WHERE email NOT LIKE 'race%';"));
    for (std::string row; std::getline(rows, row);) {
        auto bar = row.find('|');
        stored[row.substr(0, bar)] = row.substr(bar + 1);
    }
    CHECK(stored == expected);
    for (const auto& ulid : deleted) CHECK(stored.count(ulid) == 0);
    CHECK(sqlite_number(dir, "SELECT count(*) FROM customers WHERE email LIKE 'race%';") ==
          static_cast<long long>(race_wins.size()));

    // Counts match, and nothing of a deleted customer is left: no token, no link, no mail.
    CHECK(store_invariant_violations(dir).empty());
    CHECK(sqlite_number(dir, "SELECT count(*) FROM customers;") ==
          sqlite_number(dir, "SELECT count(DISTINCT customer) FROM credentials WHERE customer IS NOT NULL;"));
    std::set<std::string> audited;
    std::istringstream subjects(sqlite(dir, "SELECT DISTINCT subject FROM audit_log;"));
    for (std::string subject; std::getline(subjects, subject);) audited.insert(subject);
    for (const auto& ulid : deleted) {
        INFO("erasure of " << ulid << " is in the audit log");
        CHECK(audited.contains(ulid));
    }
}
