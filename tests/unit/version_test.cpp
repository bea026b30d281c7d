#include <jambo/core/version.hpp>

#include <catch2/catch.hpp>

#include <string>

#if JAMBO_VERSION < 100
#error "an embedder's version check: 0.1.0 is 100"
#endif

TEST_CASE("the version is one text and one number for the preprocessor, from the same parts", "[core][version]") {
    const auto text = std::to_string(JAMBO_VERSION_MAJOR) + "." + std::to_string(JAMBO_VERSION_MINOR) + "." +
                      std::to_string(JAMBO_VERSION_PATCH);
    CHECK(jambo::core::version == text);
    CHECK(JAMBO_VERSION == JAMBO_VERSION_MAJOR * 10000 + JAMBO_VERSION_MINOR * 100 + JAMBO_VERSION_PATCH);
    CHECK(jambo::core::version == "0.1.0");  // as project() in CMakeLists.txt says
}
