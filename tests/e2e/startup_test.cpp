// What `jambo serve` tells an operator when it starts.
#include "e2e_support.hpp"

#include <catch2/catch.hpp>

using namespace jambo::testing;

TEST_CASE("on start-up the server names its URL, database, mail mode and how to make a staff token", "[e2e]") {
    WorkDir dir;
    {
        JamboServer server(dir, {"--public-url", "https://customers.example.com"});
        const auto log = server.log();
        CHECK(log.find("API:   https://customers.example.com/api/") != std::string::npos);
        CHECK(log.find("data:  " + dir.db()) != std::string::npos);
        CHECK(log.find("mail:  NOT delivered; written to ") != std::string::npos);
        CHECK(log.find("staff: none yet; make a staff token with: jambo staff add --db " + dir.db()) !=
              std::string::npos);
        CHECK(server.stop() == 0);
    }
    add_staff(dir);
    JamboServer again(dir);
    CHECK(again.log().find("staff: none yet") == std::string::npos);
}
