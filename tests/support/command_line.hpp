#pragma once
/// Drives jambo's command-line parser the way main() does, for tests of its settings.

#include <jambo/app/config.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

namespace jambo::testing {

/// `args` without the program name, which is added.
inline std::variant<app::Invocation, app::EarlyExit> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "jambo");
    std::vector<const char*> argv;
    for (const auto& arg : args) argv.push_back(arg.c_str());
    return app::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

/// The invocation `args` make; fails the test with jambo's message if they are refused.
inline app::Invocation parsed(std::vector<std::string> args) {
    auto result = parse(std::move(args));
    if (const auto* exit = std::get_if<app::EarlyExit>(&result)) FAIL(exit->err);
    return std::get<app::Invocation>(result);
}

/// How jambo stops before running anything on `args` (help, version, a usage error).
inline app::EarlyExit early_exit(std::vector<std::string> args) {
    auto result = parse(std::move(args));
    REQUIRE(std::holds_alternative<app::EarlyExit>(result));
    return std::get<app::EarlyExit>(result);
}

/// Sets an environment variable for the scope of the object.
struct Env {
    Env(const char* variable, const char* value) : name(variable) { ::setenv(variable, value, 1); }
    ~Env() { ::unsetenv(name); }
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    const char* name;
};

}  // namespace jambo::testing
