#pragma once
/// Port: the current time. Faked in tests so TTLs and rate limits can be walked through.

#include <chrono>

namespace jambo::core {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

/// Called from many threads at once (the HTTP threads, the store's writer, the mail relay).
class Clock {
public:
    Clock() = default;
    Clock(const Clock&) = delete;
    Clock& operator=(const Clock&) = delete;
    virtual ~Clock() = default;

    [[nodiscard]] virtual TimePoint now() const = 0;
};

/// The system's wall clock.
class SystemClock final : public Clock {
public:
    [[nodiscard]] TimePoint now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    }
};

}  // namespace jambo::core
