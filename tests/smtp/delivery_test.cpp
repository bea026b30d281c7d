// The real `jambo` binary delivering the deletion mail to a real SMTP server on loopback.
#include "e2e_support.hpp"
#include "smtp_sink.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <regex>
#include <thread>

using namespace jambo::testing;
using namespace std::chrono_literals;

namespace {

// Quick retries so that the outage tests take seconds; the schedule's shape is the default's.
const std::vector<std::string> fast_retries = {"--mail-retry-first", "1s", "--mail-retry-max", "2s"};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

struct Customer {
    std::string ulid;
    std::string token;
    std::string email;
};

Customer register_customer(HttpClient& client, int n, const std::string& first_name = "Zoë") {
    auto draft = new_customer(n);
    draft["first_name"] = first_name;
    auto created = client.request("POST", "/api/customers", json_headers(), boost::json::serialize(draft));
    REQUIRE(created.status == 201);
    auto body = body_of(created);
    return {text(body.at("body").at("ulid")), text(body.at("token")), text(draft.at("email"))};
}

void request_deletion(HttpClient& client, const Customer& customer) {
    auto requested = client.request("POST", "/api/customer/" + customer.ulid + "/delete/request", auth(customer.token));
    REQUIRE(requested.status == 200);
}

std::string outbox_rows(const WorkDir& dir) { return sqlite_query(dir.db(), "SELECT count(*) FROM outbox"); }

std::string mail_audit(const WorkDir& dir) {
    return sqlite_query(dir.db(), "SELECT event, subject, detail FROM audit_log WHERE event LIKE 'mail.%' ORDER BY id");
}

bool logged(const JamboServer& server, const std::string& needle, std::chrono::milliseconds timeout = 10s) {
    return wait_until_contains([&] { return server.log(); }, needle, timeout);
}

std::string body_text(const boost::json::object& report) { return text(report.at("body")); }

}  // namespace

TEST_CASE("the deletion mail arrives over SMTP as RFC 5322 - and its link deletes the customer", "[e2e][smtp]") {
    WorkDir dir;
    SmtpSink sink(dir.path / "sink", free_loopback_port());
    JamboServer server(dir, {"--smtp-url", sink.url(), "--mail-from", "Jambo Team <no-reply@jambo.test>"});
    CHECK(server.log().find("mail is delivered through " + sink.url()) != std::string::npos);
    HttpClient client(server.port());
    auto customer = register_customer(client, 1);
    request_deletion(client, customer);

    auto report = sink.wait_for_message(1, 10s);
    REQUIRE(report);
    INFO(boost::json::serialize(*report));
    CHECK(report->at("problems").as_array().empty());
    CHECK(report->at("header_names") == boost::json::parse(R"(["Date","From","To","Subject","Message-ID",
        "Auto-Submitted","MIME-Version","Content-Type","Content-Transfer-Encoding"])"));
    const auto& headers = report->at("headers").as_object();
    CHECK(text(headers.at("From")) == "Jambo Team <no-reply@jambo.test>");
    CHECK(text(headers.at("To")) == customer.email);
    CHECK(text(headers.at("Subject")) == "Confirm the deletion of your data");
    CHECK(text(headers.at("Message-ID")).ends_with("@jambo.test>"));
    CHECK(text(headers.at("Content-Transfer-Encoding")) == "7bit");  // no name in it: plain ASCII
    CHECK(text(report->at("mail_from")) == "no-reply@jambo.test");
    CHECK(report->at("rcpt_tos") == boost::json::array{boost::json::string(customer.email)});
    auto body = body_text(*report);
    CHECK(body.starts_with("Hello,"));
    CHECK(body.find("Zoë") == std::string::npos);  // nothing the registrant wrote
    CHECK(body.find("within 1 hour") != std::string::npos);

    auto link = "/api/customer/" + deletion_token_in(body) + "/delete/confirm";
    auto confirmed = client.request("POST", link, {{"Accept", "application/json"}});
    REQUIRE(confirmed.status == 200);
    CHECK(client.request("GET", "/api/customers", auth(customer.token)).status == 401);
    CHECK(outbox_rows(dir) == "0");
    // The audit entry names the message by its Message-ID's local part, which the mail server logs.
    const auto message_id = text(headers.at("Message-ID"));
    CHECK(mail_audit(dir) == "mail.delivered|" + customer.ulid + "|smtp; message " +
                                 message_id.substr(1, message_id.find('@') - 1));
    // Where, never what: the log never carries the link.
    CHECK(server.log().find(deletion_token_in(body)) == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.mail_dir()));
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("STARTTLS with a certificate from the test CA - verified - and AUTH from the URL", "[e2e][smtp]") {
    WorkDir dir;
    TestPki pki(dir.path / "pki");
    SmtpSink sink(dir.path / "sink", free_loopback_port(), {.starttls = &pki, .auth = "mailer:s3cret-pw"});
    // Loopback exception off: STARTTLS is required here as it is to any other host.
    JamboServer server(dir, {"--smtp-url", sink.url("smtp", "mailer:s3cret-pw"), "--smtp-ca-file",
                             pki.ca.string(), "--smtp-loopback-plaintext", "0"});
    CHECK(server.log().find("STARTTLS required") != std::string::npos);
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 2));

    auto report = sink.wait_for_message(1, 10s);
    REQUIRE(report);
    CHECK(report->at("tls") == true);
    CHECK(report->at("authenticated") == true);
    CHECK(report->at("problems").as_array().empty());
    CHECK(server.log().find("s3cret-pw") == std::string::npos);
    CHECK(server.log().find("offered no AUTH") == std::string::npos);
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("credentials a relay never asks for are reported once - the mail still goes", "[e2e][smtp]") {
    WorkDir dir;
    SmtpSink sink(dir.path / "sink", free_loopback_port());  // offers no AUTH
    JamboServer server(dir, {"--smtp-url", sink.url("smtp", "mailer:s3cret-pw")});
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 6));
    request_deletion(client, register_customer(client, 7));
    REQUIRE(sink.wait_for_message(2, 10s));
    REQUIRE(logged(server, "offered no AUTH, so mail goes to it without the user and password of the SMTP URL"));
    const auto log = server.log();
    CHECK(log.find("offered no AUTH") == log.rfind("offered no AUTH"));  // once, not per message
    CHECK(log.find("s3cret-pw") == std::string::npos);
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("a server certificate the CA file does not vouch for is refused - the message stays queued", "[e2e][smtp]") {
    WorkDir dir;
    TestPki pki(dir.path / "pki");
    TestPki other(dir.path / "other-pki");
    SmtpSink sink(dir.path / "sink", free_loopback_port(), {.starttls = &pki});
    JamboServer server(dir, with({"--smtp-url", sink.url(), "--smtp-ca-file", other.ca.string()}, fast_retries));
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 3));

    REQUIRE(logged(server, "attempt 1 failed"));
    CHECK(server.log().find("the relay's certificate is not trusted: set JAMBO_SMTP_CA_FILE") != std::string::npos);
    CHECK(sink.received() == 0);
    CHECK(sink.recipient_attempts() == 0);
    CHECK(outbox_rows(dir) == "1");
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("with the loopback exception off - a server without STARTTLS is refused - the message stays queued",
          "[e2e][smtp]") {
    WorkDir dir;
    SmtpSink sink(dir.path / "sink", free_loopback_port());
    JamboServer server(dir, with({"--smtp-url", sink.url(), "--smtp-loopback-plaintext", "0"}, fast_retries));
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 4));

    REQUIRE(logged(server, "attempt 1 failed"));
    // The setting that refused it is the one named (JAMBO_SMTP_ALLOW_PLAINTEXT used to be).
    CHECK(server.log().find("the relay offers no STARTTLS: enable TLS on it, use smtps://, or set "
                            "JAMBO_SMTP_LOOPBACK_PLAINTEXT=1 to send in plain text on the loopback") != std::string::npos);
    CHECK(sink.received() == 0);
    CHECK(sink.recipient_attempts() == 0);
    CHECK(outbox_rows(dir) == "1");
    CHECK(mail_audit(dir).empty());
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("smtps:// speaks TLS from the first byte", "[e2e][smtp]") {
    WorkDir dir;
    TestPki pki(dir.path / "pki");
    SmtpSink sink(dir.path / "sink", free_loopback_port(), {.implicit_tls = &pki});
    JamboServer server(dir, {"--smtp-url", sink.url("smtps"), "--smtp-ca-file", pki.ca.string(), "--public-url",
                             "https://jambo.example"});
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 5));
    auto report = sink.wait_for_message(1, 10s);
    REQUIRE(report);
    CHECK(report->at("tls") == true);
    // The default sender is no-reply@localhost: the Message-ID takes the public URL's host.
    CHECK(text(report->at("headers").at("Message-ID")).ends_with("@jambo.example>"));
    CHECK(body_text(*report).find("https://jambo.example/api/customer/") != std::string::npos);
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("a public URL on an IP address names no domain - the Message-ID says localhost - a Reply-To goes out",
          "[e2e][smtp]") {
    // The EHLO name is the same (mail_setup's our_domain): a bare address there is refused by
    // strict relays (RFC 5321 wants "[127.0.0.1]").
    WorkDir dir;
    SmtpSink sink(dir.path / "sink", free_loopback_port());
    JamboServer server(dir, {"--smtp-url", sink.url("smtp"), "--public-url", "http://127.0.0.1:8000"},
                       {{"JAMBO_MAIL_REPLY_TO", "Privacy Desk <privacy@jambo.test>"}});
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 6));
    auto report = sink.wait_for_message(1, 10s);
    REQUIRE(report);
    CHECK(report->at("problems").as_array().empty());
    CHECK(text(report->at("headers").at("Message-ID")).ends_with("@localhost>"));
    // A customer who did not ask for the link can answer it, though the sender is no-reply@.
    CHECK(text(report->at("headers").at("Reply-To")) == "Privacy Desk <privacy@jambo.test>");
    CHECK(text(report->at("headers").at("From")) == "Jambo <no-reply@localhost>");
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("outage: SMTP comes up 5 s after the request - the mail arrives once within the backoff window",
          "[e2e][smtp]") {
    WorkDir dir;
    const auto port = free_loopback_port();
    JamboServer server(dir, with({"--smtp-url", "smtp://127.0.0.1:" + std::to_string(port)}, fast_retries));
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 6));
    const auto requested = std::chrono::steady_clock::now();

    REQUIRE(logged(server, "attempt 1 failed"));
    CHECK(client.request("GET", "/api/status").status == 200);
    std::this_thread::sleep_until(requested + 5s);
    SmtpSink sink(dir.path / "sink", port);
    const auto smtp_up = std::chrono::steady_clock::now();

    auto report = sink.wait_for_message(1, 10s);
    REQUIRE(report);
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - smtp_up);
    WARN("delivered " << delay.count() << " ms after the SMTP server came up (retry cap 2 s)");
    CHECK(delay <= 2500ms);
    CHECK(report->at("problems").as_array().empty());
    std::this_thread::sleep_for(2500ms);  // longer than any retry wait: a duplicate would show
    CHECK(sink.received() == 1);
    CHECK(sink.recipient_attempts() == 1);
    CHECK(outbox_rows(dir) == "0");
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("restart: SIGTERM while the mail is undeliverable - after a restart it is delivered exactly once",
          "[e2e][smtp]") {
    WorkDir dir;
    const auto port = free_loopback_port();
    const auto args = with({"--smtp-url", "smtp://127.0.0.1:" + std::to_string(port)}, fast_retries);
    std::string ulid;
    {
        JamboServer first(dir, args);
        HttpClient client(first.port());
        auto customer = register_customer(client, 7);
        ulid = customer.ulid;
        request_deletion(client, customer);
        REQUIRE(logged(first, "attempt 1 failed"));
        CHECK(first.stop(SIGTERM) == 0);
        CHECK(first.log().find("stopped cleanly") != std::string::npos);
    }
    CHECK(sqlite_query(dir.db(), "SELECT count(*), min(attempts) > 0 FROM outbox") == "1|1");

    SmtpSink sink(dir.path / "sink", port);
    JamboServer second(dir, args);
    auto report = sink.wait_for_message(1, 10s);
    REQUIRE(report);
    CHECK(report->at("problems").as_array().empty());
    std::this_thread::sleep_for(2500ms);
    CHECK(sink.received() == 1);
    CHECK(outbox_rows(dir) == "0");
    CHECK(mail_audit(dir).starts_with("mail.delivered|" + ulid + "|smtp; message jambo."));
    CHECK(second.stop(SIGTERM) == 0);
}

TEST_CASE("a 5xx for the recipient stops the retries - and is recorded in the audit log", "[e2e][smtp]") {
    WorkDir dir;
    SmtpSink sink(dir.path / "sink", free_loopback_port(), {.reject_recipients = true});
    JamboServer server(dir, with({"--smtp-url", sink.url()}, fast_retries));
    HttpClient client(server.port());
    auto customer = register_customer(client, 8);
    request_deletion(client, customer);

    REQUIRE(logged(server, "abandoned"));
    std::this_thread::sleep_for(2500ms);  // longer than any retry wait: a retry would show
    CHECK(sink.recipient_attempts() == 1);
    CHECK(sink.received() == 0);
    CHECK(outbox_rows(dir) == "0");
    auto audit = mail_audit(dir);
    CHECK(audit.starts_with("mail.abandoned|" + customer.ulid + "|smtp: rejected with 550; message jambo."));
    CHECK(audit.find(customer.email) == std::string::npos);
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("without an SMTP URL jambo says at start-up that mail is not delivered - and where it goes",
          "[e2e][smtp]") {
    WorkDir dir;
    JamboServer server(dir);
    auto log = server.log();
    CHECK(log.find("mail is NOT being delivered") != std::string::npos);
    CHECK(log.find(dir.mail_dir().string()) != std::string::npos);
    HttpClient client(server.port());
    request_deletion(client, register_customer(client, 9, "Cynthia"));
    auto mail = wait_for_mail(dir.mail_dir(), 1);
    REQUIRE(logged(server, ".eml"));
    CHECK(server.log().find(deletion_token_in(mail)) == std::string::npos);
    CHECK(server.stop(SIGTERM) == 0);
}
