// The server serves docs/openapi.yaml as JSON, and the description names every route the
// server answers; the validator test then checks each recorded response against it.
#include "e2e_support.hpp"

#include <catch2/catch.hpp>

using namespace jambo::testing;

TEST_CASE("GET /api/openapi.json serves the OpenAPI 3.1 description of every endpoint", "[e2e][docs]") {
    WorkDir dir;
    JamboServer server(dir);
    HttpClient client(server.port());

    const auto response = client.request("GET", "/api/openapi.json");
    REQUIRE(response.status == 200);
    // An envelope, as every JSON answer is (contract section 1); the document is its body.
    CHECK(response.header("Content-Type") == "application/json; charset=utf-8");
    CHECK(body_of(response).at("statusCode") == 200);
    const auto document = body_of(response).at("body");
    CHECK(text(document.at("openapi")) == "3.1.0");
    const auto& paths = document.at("paths").as_object();
    for (const char* path : {"/api/customers", "/api/customer/{ulid}", "/api/customer/{ulid}/delete/request",
                             "/api/customer/{token}/delete/confirm", "/api/status", "/api/nationalities",
                             "/api/openapi.json"}) {
        INFO(path);
        CHECK(paths.contains(path));
    }
}

TEST_CASE("every method the description lists for a path is one the server routes", "[e2e][docs]") {
    WorkDir dir;
    JamboServer server(dir);
    HttpClient client(server.port());
    const auto document = body_of(client.request("GET", "/api/openapi.json")).at("body");

    // A method the server does not route answers 405; a documented one never does.
    const std::string ulid = "01HWJ8WH9X8WBK65EMGY9YKPBS";
    const std::string token = std::string(43, 'A');
    for (const auto& [path, item] : document.at("paths").as_object()) {
        std::string target(path);
        if (auto at = target.find("{ulid}"); at != std::string::npos) target.replace(at, 6, ulid);
        if (auto at = target.find("{token}"); at != std::string::npos) target.replace(at, 7, token);
        for (const auto& [method, operation] : item.as_object()) {
            if (method == "parameters") continue;
            std::string verb(method);
            for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            INFO(verb << " " << target);
            CHECK(client.request(verb, target, json_headers(), verb == "GET" || verb == "DELETE" ? "" : "{}").status !=
                  405);
        }
    }
}
