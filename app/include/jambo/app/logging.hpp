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

/// One JSON log line for a message: time, level, logger, then either the message as "msg" or,
/// from the access logger, its fields as they are.
[[nodiscard]] std::string json_log_line(std::string_view time, std::string_view level, std::string_view logger,
                                        std::string_view payload);

}  // namespace jambo::app
