#pragma once
// The hourly limit of deletion mails per mailbox (Policy::deletion_mails_per_address_per_hour):
// the last hour's mail times by a digest of the mailbox an address reaches, keyed with a
// secret of this limit, random for each one and never stored. In memory only: nothing on disk
// links records that shared an address, and a memory dump holds no erased customer's address.
// It starts empty with each ErasureService.

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/random_source.hpp>
#include <jambo/core/ports/token_hasher.hpp>

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::core {

class MailboxLimit {
public:
    MailboxLimit(const TokenHasher& hasher, RandomSource& random);

    /// One mailbox's mail times in the window, oldest first, held under the limit's lock until
    /// this goes: the caller decides and notes a mail in between, without a race.
    class Held {
    public:
        [[nodiscard]] const std::vector<TimePoint>& times() const { return times_; }
        void note(TimePoint at) { times_.push_back(at); }

    private:
        friend class MailboxLimit;
        Held(std::unique_lock<std::mutex> lock, std::vector<TimePoint>& times) : lock_(std::move(lock)), times_(times) {}
        std::unique_lock<std::mutex> lock_;
        std::vector<TimePoint>& times_;
    };

    /// The mailbox `email_key` (lower-cased) reaches, its times before `window_start` dropped.
    [[nodiscard]] Held hold(std::string_view email_key, TimePoint window_start);

private:
    const TokenHasher& hasher_;
    const std::string key_;
    std::mutex mutex_;
    std::map<TokenHash, std::vector<TimePoint>> mailed_;
    std::size_t holds_since_sweep_ = 0;
};

}  // namespace jambo::core
