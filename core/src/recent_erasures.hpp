#pragma once
// The deletion links that erased a record in the last quarter hour, by their hash. A second
// click, a reload or Back on the confirm page meets a link whose record is gone, taking the
// link's own record with it, so the store cannot tell it from a link never issued; this lets
// the page say the link was used. In memory only: nothing of it reaches the disk, and it
// starts empty with each ErasureService.

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/token_hasher.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace jambo::core {

class RecentErasures {
public:
    static constexpr std::chrono::minutes kept_for{15};
    static constexpr std::size_t capacity = 4096;  ///< the oldest go first past it

    void note(const TokenHash& link, TimePoint erased_at);
    /// Takes back a note whose erasure was not committed after all.
    void forget(const TokenHash& link);
    /// When `link` erased its record, if that was noted less than kept_for before `now`;
    /// drops the notes that have aged out on the way.
    [[nodiscard]] std::optional<TimePoint> erased_at(const TokenHash& link, TimePoint now);

private:
    std::mutex mutex_;
    std::deque<std::pair<TokenHash, TimePoint>> erased_;  // in the order noted
};

}  // namespace jambo::core
