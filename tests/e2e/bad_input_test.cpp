#include "e2e_support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace jambo::testing;

namespace {

// The database as SQL text, read by the sqlite3 shell while the server keeps it open.
std::string dump(const WorkDir& dir) {
    std::string command = "sqlite3 -readonly '" + dir.db() + "' .dump 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    REQUIRE(pipe);
    std::string out;
    char chunk[4096];
    while (auto got = std::fread(chunk, 1, sizeof chunk, pipe.get())) out.append(chunk, got);
    return out;
}

struct Case {
    std::string name;
    std::string method;
    std::string target;
    Headers headers;
    std::string body;
    unsigned status;
};

}  // namespace

TEST_CASE("every bad input of contract section 5 leaves the stored data byte for byte as it was", "[e2e]") {
    WorkDir dir;
    JamboServer server(dir);
    auto staff = add_staff(dir);
    HttpClient client(server.port());
    std::vector<std::string> ulids;
    std::vector<std::string> tokens;
    for (int i = 1; i <= 3; ++i) {
        auto created = body_of(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(i))));
        ulids.push_back(text(created.at("body").at("ulid")));
        tokens.push_back(text(created.at("token")));
    }
    auto before_sql = dump(dir);
    REQUIRE(before_sql.find("INSERT INTO") != std::string::npos);
    auto before_list = client.request("GET", "/api/customers", auth(staff)).body;

    auto valid = boost::json::serialize(new_customer(50));
    auto taken = new_customer(50);
    taken["email"] = "AARON0001@example.org";
    auto duplicate_email = boost::json::serialize(taken);
    auto full = new_customer(1);
    full["dob"] = "2999-01-01";
    const std::string big(70 * 1024, 'x');
    const std::string form = "application/x-www-form-urlencoded";
    std::vector<Case> cases = {
        {"malformed JSON", "POST", "/api/customers", json_headers(), R"({"first_name": "A",)", 400},
        {"JSON array", "POST", "/api/customers", json_headers(), "[" + valid + "]", 400},
        {"JSON string", "POST", "/api/customers", json_headers(), "\"hello\"", 400},
        {"invalid UTF-8", "POST", "/api/customers", json_headers(), R"({"first_name":"A)" "\xff\xfe" R"("})", 400},
        {"invalid UTF-8 in a form", "POST", "/api/customers", {{"Content-Type", form}}, "first_name=%FF&last_name=x", 400},
        {"text/plain", "POST", "/api/customers", {{"Content-Type", "text/plain"}}, valid, 415},
        {"no content type", "POST", "/api/customers", {}, valid, 415},
        {"multipart", "POST", "/api/customers", {{"Content-Type", "multipart/form-data; boundary=x"}}, valid, 415},
        {"oversized body", "POST", "/api/customers", json_headers(), R"({"first_name":")" + big + "\"}", 413},
        {"missing fields", "POST", "/api/customers", json_headers(), R"({"first_name":"A"})", 400},
        {"empty object", "POST", "/api/customers", json_headers(), "{}", 400},
        {"nulls", "POST", "/api/customers", json_headers(), R"({"first_name":null,"email":null})", 400},
        {"numbers", "POST", "/api/customers", json_headers(), R"({"first_name":1,"phone_number":254700000000})", 400},
        {"duplicate email", "POST", "/api/customers", json_headers(), duplicate_email, 400},
        {"PUT missing fields", "PUT", "/api/customers", json_headers(tokens[0]), R"({"first_name":"B"})", 400},
        {"PUT malformed", "PUT", "/api/customers", json_headers(tokens[0]), "{", 400},
        {"PUT future dob", "PUT", "/api/customers", json_headers(tokens[0]), boost::json::serialize(full), 400},
        {"PUT oversized", "PUT", "/api/customers", json_headers(tokens[0]), big, 413},
        {"PATCH bad email", "PATCH", "/api/customer/" + ulids[1], json_headers(staff), R"({"email":"nope"})", 400},
        {"PATCH invalid UTF-8", "PATCH", "/api/customer/" + ulids[1], json_headers(staff), "{\"last_name\":\"\xc0\xaf\"}", 400},
        {"PATCH other's email", "PATCH", "/api/customer/" + ulids[1], json_headers(staff), R"({"email":"aaron0001@example.org"})", 400},
        {"PATCH by a customer", "PATCH", "/api/customer/" + ulids[1], json_headers(tokens[0]), R"({"first_name":"X"})", 403},
        {"PATCH without a token", "PATCH", "/api/customers", json_headers(), R"({"first_name":"X"})", 401},
        {"malformed PATCH by a customer", "PATCH", "/api/customer/" + ulids[1], json_headers(tokens[0]), "{", 403},
        {"malformed PUT by staff to its own", "PUT", "/api/customers", json_headers(staff), "{", 403},
        {"malformed PUT by staff, missing", "PUT", "/api/customer/01HWJ8WH9X8WBK65EMGY9YKPBS", json_headers(staff), "{", 404},
        {"text/plain deletion for another", "POST", "/api/customer/" + ulids[1] + "/delete/request",
         {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + tokens[0]}}, "x", 403},
        {"DELETE another customer", "DELETE", "/api/customer/" + ulids[1], auth(tokens[0]), "", 403},
        {"origin not allowed", "POST", "/api/customer/" + ulids[0] + "/delete/request", json_headers(tokens[0]),
         R"({"origin":"https://evil.example"})", 400},
        {"deletion for another", "POST", "/api/customer/" + ulids[1] + "/delete/request", auth(tokens[0]), "", 403},
        {"unknown confirm link", "GET", "/api/customer/" + std::string(43, 'A') + "/delete/confirm", {}, "", 404},
        {"header section too large", "GET", "/api/customers", {{"X-Padding", std::string(20 * 1024, 'p')}}, "", 431},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        HttpClient fresh(server.port());
        auto response = fresh.request(c.method, c.target, c.headers, c.body);
        CHECK(response.status == c.status);
        CHECK(response.header("X-Request-Id").has_value());
        if (response.status != 204) CHECK(body_of(response).at("statusCode") == response.status);
    }
    CHECK(dump(dir) == before_sql);
    CHECK(client.request("GET", "/api/customers", auth(staff)).body == before_list);
}

TEST_CASE("a taken email or phone number is reported beside the request's other bad fields", "[e2e]") {
    WorkDir dir;
    JamboServer server(dir);
    auto staff = add_staff(dir);
    HttpClient client(server.port());
    auto first = body_of(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(1))));
    auto second = body_of(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(new_customer(2))));
    const auto messages_of = [](const HttpResponse& response) {
        REQUIRE(response.status == 400);
        return boost::json::serialize(body_of(response).at("body"));
    };

    auto again = new_customer(1);
    again["dob"] = "06/09/1912";
    CHECK(messages_of(client.request("POST", "/api/customers", json_headers(), boost::json::serialize(again))) ==
          R"({"dob":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],)"
          R"("email":["customer with this Email already exists."],)"
          R"("phone_number":["customer with this Phone Number already exists."]})");

    const auto ulid = text(second.at("body").at("ulid"));
    boost::json::object patch{{"email", first.at("body").at("email")}, {"first_name", " "}};
    CHECK(messages_of(client.request("PATCH", "/api/customer/" + ulid, json_headers(staff), boost::json::serialize(patch))) ==
          R"({"first_name":["This field may not be blank."],"email":["customer with this Email already exists."]})");
    CHECK(body_of(client.request("GET", "/api/customer/" + ulid, auth(staff))).at("body") == second.at("body"));
}
