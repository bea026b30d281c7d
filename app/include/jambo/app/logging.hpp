#pragma once
/// Log set-up: everything to stderr, as text or one JSON object per line; the "access" logger
/// (jambo::http's access log) shares the sink.

#include <jambo/app/config.hpp>

#include <string>
#include <string_view>

namespace jambo::app {

void setup_logging(const std::string& level, LogFormat format);
/// Writes out what is buffered and stops the periodic flusher; call before exit.
void stop_logging();

/// `text` on one line: a control character (a newline in a path the operator typed) becomes a
/// space, and trailing spaces go. A command's error is one line on stderr (contract §8).
[[nodiscard]] std::string one_line(std::string text);

/// The line that says why a command failed, for stderr: `jambo: <what>`, or, for a server whose
/// log is JSON, a log line of level critical, which the log shipper reading that stream can
/// parse as it does every other.
[[nodiscard]] std::string failure_line(std::string_view what, bool json);

/// One JSON log line for a message: time, level, logger, then either the message as "msg" or,
/// from the access logger, its fields as they are.
[[nodiscard]] std::string json_log_line(std::string_view time, std::string_view level, std::string_view logger,
                                        std::string_view payload);

}  // namespace jambo::app
