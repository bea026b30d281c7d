#include "recent_erasures.hpp"

#include <algorithm>

namespace jambo::core {

void RecentErasures::note(const TokenHash& link, TimePoint erased_at) {
    std::scoped_lock lock(mutex_);
    if (erased_.size() == capacity) erased_.pop_front();
    erased_.emplace_back(link, erased_at);
}

void RecentErasures::forget(const TokenHash& link) {
    std::scoped_lock lock(mutex_);
    std::erase_if(erased_, [&](const auto& entry) { return entry.first == link; });
}

// A linear search: it runs only for a page whose link failed, and the list is short.
std::optional<TimePoint> RecentErasures::erased_at(const TokenHash& link, TimePoint now) {
    std::scoped_lock lock(mutex_);
    std::erase_if(erased_, [&](const auto& entry) { return entry.second + kept_for <= now; });
    const auto found = std::ranges::find(erased_, link, &std::pair<TokenHash, TimePoint>::first);
    if (found == erased_.end()) return std::nullopt;
    return found->second;
}

}  // namespace jambo::core
