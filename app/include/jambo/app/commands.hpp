#pragma once
/// The subcommands of contract section 8. Each returns the process exit status.

#include <jambo/app/config.hpp>

#include <iosfwd>

namespace jambo::app {

/// Runs the command; output for people goes to `out` (one line for tokens), diagnostics to
/// spdlog/stderr. Throws on infrastructure failure (the caller prints one line, exits 1).
int run_command(const Invocation& invocation, std::ostream& out, std::ostream& err);

}  // namespace jambo::app
