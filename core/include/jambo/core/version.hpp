#pragma once
/// The library's version, for an embedder's logs and health checks. The same as the CMake
/// package's (find_package(jambo 0.1)); core/CMakeLists.txt refuses to configure if they differ.

#include <string_view>

namespace jambo::core {

inline constexpr std::string_view version = "0.1.0";

}  // namespace jambo::core
