#include <jambo/app/logging.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <mutex>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace jambo::app {

namespace {

void append_escaped(std::string& out, std::string_view text) {
    out += '"';
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
    out += '"';
}

std::string utc_time(spdlog::log_clock::time_point time) {
    auto seconds = spdlog::log_clock::to_time_t(time);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count() % 1'000'000;
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[40];
    auto size = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
    std::snprintf(text + size, sizeof text - size, ".%06lldZ", static_cast<long long>(micros));
    return text;
}

class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        // The names --log-level takes: spdlog calls warn "warning", which a filter written
        // from the documented names would miss.
        auto name = spdlog::level::to_string_view(msg.level);
        const auto level = msg.level == spdlog::level::warn ? std::string_view("warn")
                                                            : std::string_view(name.data(), name.size());
        auto line = json_log_line(utc_time(msg.time), level,
                                  std::string_view(msg.logger_name.data(), msg.logger_name.size()),
                                  std::string_view(msg.payload.data(), msg.payload.size()));
        line += '\n';
        dest.append(line.data(), line.data() + line.size());
    }
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// stderr with a buffer: spdlog's own stderr sink flushes every line, which costs a quarter of
// the server's throughput once every request writes an access line. Both loggers share this
// sink so lines stay whole and in order; what is not flushed by a logger's flush level is
// written at 16 KiB or by spdlog's once-a-second flusher.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    ~BufferedStderrSink() override { write_out(); }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        buffer_.append(formatted.data(), formatted.size());
        if (buffer_.size() >= 16 * 1024) write_out();
    }
    void flush_() override { write_out(); }

private:
    std::string buffer_;

    void write_out() {
        std::string_view rest = buffer_;
        while (!rest.empty()) {
            auto written = ::write(STDERR_FILENO, rest.data(), rest.size());
            if (written < 0 && errno == EINTR) continue;
            if (written <= 0) break;
            rest.remove_prefix(static_cast<std::size_t>(written));
        }
        buffer_.clear();
    }
};

}  // namespace

std::string one_line(std::string text) {
    std::ranges::replace_if(text, [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7f'; }, ' ');
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

std::string failure_line(std::string_view what, bool json) {
    if (!json) return "jambo: " + one_line(std::string(what));
    return json_log_line(utc_time(spdlog::log_clock::now()), "critical", "jambo", one_line(std::string(what)));
}

std::string json_log_line(std::string_view time, std::string_view level, std::string_view logger,
                          std::string_view payload) {
    std::string line = R"({"time":")";
    line += time;
    line += R"(","level":)";
    append_escaped(line, level);
    line += R"(,"logger":)";
    append_escaped(line, logger);
    // The access log writes its entries as JSON fields already (jambo::http::format_access).
    if (logger == "access") {
        line += ',';
        line += payload;
    } else {
        line += R"(,"msg":)";
        append_escaped(line, payload);
    }
    line += '}';
    return line;
}

void setup_logging(const std::string& level, LogFormat format) {
    auto sink = std::make_shared<BufferedStderrSink>();
    if (format == LogFormat::json) {
        sink->set_formatter(std::make_unique<JsonFormatter>());
    } else {
        sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ [%n] %v",
                                                                        spdlog::pattern_time_type::utc));
    }
    auto main_logger = std::make_shared<spdlog::logger>("jambo", sink);
    auto access = std::make_shared<spdlog::logger>("access", sink);
    auto parsed = spdlog::level::from_str(level);
    main_logger->set_level(parsed);
    access->set_level(parsed);
    main_logger->flush_on(spdlog::level::trace);
    access->flush_on(spdlog::level::warn);
    spdlog::drop_all();
    spdlog::register_logger(access);
    spdlog::set_default_logger(main_logger);
    spdlog::flush_every(std::chrono::seconds(1));
}

void stop_logging() { spdlog::shutdown(); }

}  // namespace jambo::app
