#include "e2e_support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

using namespace jambo::testing;
using namespace std::chrono_literals;

namespace {

std::string find_chromium() {
    for (auto candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
        if (::access(candidate, X_OK) == 0) return candidate;
    }
    return {};
}

std::string base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        int v = value(c);
        if (v < 0) continue;
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xff));
        }
    }
    return out;
}

// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
// NUL-terminated JSON on fds 3 and 4), so no WebSocket client is needed.
class Browser {
public:
    explicit Browser(const std::filesystem::path& profile) {
        int to_browser[2];
        int from_browser[2];
        REQUIRE(::pipe2(to_browser, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(from_browser, O_CLOEXEC) == 0);
        auto executable = find_chromium();
        std::vector<std::string> args{executable, "--headless", "--no-sandbox", "--disable-gpu",
                                      "--disable-background-networking", "--disable-component-update",
                                      "--disable-sync", "--no-first-run", "--disable-extensions",
                                      "--remote-debugging-pipe", "--user-data-dir=" + profile.string(),
                                      "about:blank"};
        auto log = (profile.parent_path() / "chromium.log").string();
        // Chromium puts its singleton socket in a fresh directory under TMPDIR and, killed,
        // never removes it: keep it inside the test's own directory, which the test removes.
        std::vector<std::string> env{"TMPDIR=" + profile.parent_path().string()};
        for (char** var = environ; *var != nullptr; ++var) {
            if (std::string_view(*var).starts_with("TMPDIR=")) continue;
            env.emplace_back(*var);
        }
        // Built before fork(): the child only calls async-signal-safe functions.
        auto pointers = [](std::vector<std::string>& strings) {
            std::vector<char*> out;
            for (auto& text : strings) out.push_back(text.data());
            out.push_back(nullptr);
            return out;
        };
        auto argv = pointers(args);
        auto envp = pointers(env);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::dup2(to_browser[0], 3);
            ::dup2(from_browser[1], 4);
            int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            ::dup2(err, 1);
            ::dup2(err, 2);
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(to_browser[0]);
        ::close(from_browser[1]);
        out_ = to_browser[1];
        in_ = from_browser[0];
    }

    ~Browser() {
        ::close(out_);
        ::close(in_);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }

    boost::json::value call(const std::string& method, boost::json::object params = {}, const std::string& session = {}) {
        auto id = ++next_id_;
        boost::json::object message{{"id", id}, {"method", method}, {"params", std::move(params)}};
        if (!session.empty()) message["sessionId"] = session;
        auto text = boost::json::serialize(message);
        text.push_back('\0');
        REQUIRE(::write(out_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
        for (;;) {
            auto reply = next_message(20s);
            if (reply.contains("id") && reply.at("id") == id) {
                INFO(boost::json::serialize(reply));
                REQUIRE_FALSE(reply.contains("error"));
                return reply.at("result");
            }
            events_.push_back(std::move(reply));
        }
    }

    /// Waits for an event with that method (seen before or arriving within `wait`).
    void wait_for(const std::string& method, std::chrono::seconds wait = 20s) {
        for (auto it = events_.begin(); it != events_.end(); ++it) {
            if (it->at("method") == method.c_str()) {
                events_.erase(it);
                return;
            }
        }
        for (;;) {
            auto event = next_message(wait);
            if (event.contains("method") && event.at("method") == method.c_str()) return;
        }
    }

    void clear_events() { events_.clear(); }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    int in_ = -1;
    int next_id_ = 0;
    std::string pending_;
    std::vector<boost::json::object> events_;

    boost::json::object next_message(std::chrono::seconds wait) {
        auto deadline = std::chrono::steady_clock::now() + wait;
        for (;;) {
            auto end = pending_.find('\0');
            if (end != std::string::npos) {
                auto message = boost::json::parse(pending_.substr(0, end)).as_object();
                pending_.erase(0, end + 1);
                return message;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            REQUIRE(left.count() > 0);
            pollfd ready{in_, POLLIN, 0};
            if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[65536];
            auto got = ::read(in_, chunk, sizeof chunk);
            REQUIRE(got > 0);
            pending_.append(chunk, static_cast<std::size_t>(got));
        }
    }
};

void save_screenshot(Browser& browser, const std::string& session, const std::string& name) {
    auto shot = browser.call("Page.captureScreenshot", {{"format", "png"}}, session);
    std::ofstream(std::string(JAMBO_E2E_ARTIFACTS) + "/" + name, std::ios::binary)
        << base64_decode(shot.at("data").as_string());
}

boost::json::value evaluate(Browser& browser, const std::string& session, const std::string& expression) {
    auto result = browser.call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}}, session);
    return result.at("result").at("value");
}

}  // namespace

TEST_CASE("headless Chromium opens a confirm link - clicks the button - and the customer is gone", "[e2e]") {
    REQUIRE_FALSE(find_chromium().empty());  // Debian's chromium package (scripts/dev deps)
    WorkDir dir;
    JamboServer server(dir, {"--public-url", "http://127.0.0.1:1"});
    auto staff = add_staff(dir);
    HttpClient client(server.port());
    auto created = body_of(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(9))));
    auto ulid = text(created.at("body").at("ulid"));
    auto token = text(created.at("token"));
    REQUIRE(client.request("POST", "/api/customer/" + ulid + "/delete/request", auth(token)).status == 200);
    auto link = server.base_url() + "/api/customer/" + deletion_token_in(wait_for_mail(dir.mail_dir(), 1)) +
                "/delete/confirm";

    Browser browser(dir.path / "profile");
    auto target = browser.call("Target.createTarget", {{"url", "about:blank"}});
    auto session = text(browser.call("Target.attachToTarget", {{"targetId", target.at("targetId")}, {"flatten", true}})
                            .at("sessionId"));
    browser.call("Page.enable", {}, session);
    // A phone: the page must be readable at 412 CSS pixels wide.
    browser.call("Emulation.setDeviceMetricsOverride",
                 {{"width", 412}, {"height", 915}, {"deviceScaleFactor", 2}, {"mobile", true}}, session);
    browser.clear_events();
    browser.call("Page.navigate", {{"url", link}}, session);
    browser.wait_for("Page.loadEventFired");

    CHECK(evaluate(browser, session, "document.title") == "Delete your data?");
    CHECK(evaluate(browser, session, "document.querySelector('form').method") == "post");
    CHECK(evaluate(browser, session, "document.scripts.length") == 0);
    CHECK(evaluate(browser, session, "document.documentElement.scrollWidth <= window.innerWidth") == true);
    CHECK(evaluate(browser, session, "getComputedStyle(document.querySelector('button')).backgroundColor") ==
          "rgb(179, 38, 30)");  // the inline style was allowed by the CSP hash
    save_screenshot(browser, session, "confirm-page.png");
    CHECK(client.request("GET", "/api/customer/" + ulid, auth(staff)).status == 200);  // GET deleted nothing

    auto box = evaluate(browser, session,
                        "(() => { const r = document.querySelector('form button').getBoundingClientRect();"
                        " return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()");
    browser.clear_events();
    for (auto type : {"mousePressed", "mouseReleased"}) {
        browser.call("Input.dispatchMouseEvent",
                     {{"type", type}, {"x", box.at("x")}, {"y", box.at("y")}, {"button", "left"}, {"clickCount", 1}},
                     session);
    }
    browser.wait_for("Page.loadEventFired");
    CHECK(evaluate(browser, session, "document.title") == "Your data has been deleted");
    save_screenshot(browser, session, "confirm-done.png");

    CHECK(client.request("GET", "/api/customer/" + ulid, auth(staff)).status == 404);

    // The link opened again (from the mail, or Back and a second click) says what happened.
    browser.clear_events();
    browser.call("Page.navigate", {{"url", link}}, session);
    browser.wait_for("Page.loadEventFired");
    CHECK(evaluate(browser, session, "document.title") == "This link has been used");
    CHECK(evaluate(browser, session,
                   "document.querySelector('p').textContent.startsWith('Your data was deleted with this link at')") ==
          true);
    CHECK(server.stop() == 0);
    CHECK(server.log().find("POST /api/customer/[redacted]/delete/confirm 200") != std::string::npos);
}
