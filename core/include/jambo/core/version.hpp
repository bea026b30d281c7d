#pragma once
/// The library's version, for an embedder's logs and health checks, and for the preprocessor
/// (`#if JAMBO_VERSION >= 100` for 0.1.0 or later). The same as the CMake package's
/// (find_package(jambo 0.1)); core/CMakeLists.txt refuses to configure if they differ.

#include <string_view>

#define JAMBO_VERSION_MAJOR 0
#define JAMBO_VERSION_MINOR 1
#define JAMBO_VERSION_PATCH 0
/// The three as one number: 0.1.0 is 100, 1.2.3 is 10203.
#define JAMBO_VERSION (JAMBO_VERSION_MAJOR * 10000 + JAMBO_VERSION_MINOR * 100 + JAMBO_VERSION_PATCH)

#define JAMBO_VERSION_TEXT_(part) #part
#define JAMBO_VERSION_JOINED_(major, minor, patch) \
    JAMBO_VERSION_TEXT_(major) "." JAMBO_VERSION_TEXT_(minor) "." JAMBO_VERSION_TEXT_(patch)

namespace jambo::core {

/// "0.1.0": made from the macros above, so the two cannot disagree.
inline constexpr std::string_view version =
    JAMBO_VERSION_JOINED_(JAMBO_VERSION_MAJOR, JAMBO_VERSION_MINOR, JAMBO_VERSION_PATCH);

}  // namespace jambo::core
