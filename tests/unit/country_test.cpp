#include "unit_support.hpp"

#include <jambo/core/country.hpp>

#include <set>
#include <string>

using namespace jambo::core;

TEST_CASE("the country table has all 249 ISO 3166-1 entries", "[core][country]") {
    CHECK(all_countries().size() == 249);
}

TEST_CASE("every country has a distinct upper-case alpha-2 code", "[core][country]") {
    std::set<std::string_view> codes;
    for (const auto& c : all_countries()) {
        CHECK(c.alpha_2.size() == 2);
        CHECK(std::string{c.alpha_2} == [&] {
            std::string up{c.alpha_2};
            for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            return up;
        }());
        codes.insert(c.alpha_2);
    }
    CHECK(codes.size() == 249);
}

TEST_CASE("countries are listed by display name with accents folded", "[core][country]") {
    const auto countries = all_countries();
    REQUIRE(countries.size() >= 3);
    CHECK(countries[0].alpha_2 == "AF");
    CHECK(countries[1].alpha_2 == "AX");  // Åland Islands sorts as "Aland"
    CHECK(countries[2].alpha_2 == "AL");
}

TEST_CASE("a country is found by alpha-2, alpha-3 or any of its names, case-insensitively",
          "[core][country]") {
    for (const char* query : {"KR", "kr", "KOR", "kor", "Korea, Republic of", "SOUTH KOREA", "south korea"}) {
        INFO(query);
        const Country* c = find_country(query);
        REQUIRE(c != nullptr);
        CHECK(c->alpha_2 == "KR");
    }
}

TEST_CASE("an unknown or empty country text finds nothing", "[core][country]") {
    CHECK(find_country("Narnia") == nullptr);
    CHECK(find_country("") == nullptr);
    CHECK(find_country("K") == nullptr);
}

TEST_CASE("a country's display name is its common name, else its name", "[core][country]") {
    CHECK(country_by_alpha_2("BO")->display_name() == "Bolivia");
    CHECK(country_by_alpha_2("KR")->display_name() == "South Korea");
    CHECK(country_by_alpha_2("LS")->display_name() == "Lesotho");
    CHECK(country_by_alpha_2("CI")->display_name() == "C\xC3\xB4te d'Ivoire");
}

TEST_CASE("lookup by stored code finds only alpha-2 codes", "[core][country]") {
    CHECK(country_by_alpha_2("KE") != nullptr);
    CHECK(country_by_alpha_2("KEN") == nullptr);
    CHECK(country_by_alpha_2("ZZ") == nullptr);
}
