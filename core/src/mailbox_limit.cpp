#include "mailbox_limit.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace jambo::core {

namespace {

std::string random_key(RandomSource& random) {
    std::array<std::uint8_t, 32> bytes{};
    random.fill(bytes);
    return {bytes.begin(), bytes.end()};
}

// The mailbox an address (lower-cased) reaches: most providers deliver name+anything@ to
// name@ (RFC 5233 sub-addressing) and Gmail ignores the dots of the local part, so those
// spellings of one mailbox must count as one, or the limit is a formality.
std::string mailbox_of(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return std::string(address);
    std::string_view local = address.substr(0, at);
    std::string_view domain = address.substr(at + 1);
    if (const auto plus = local.find('+'); plus != std::string_view::npos && plus > 0) local = local.substr(0, plus);
    std::string mailbox;
    if (domain == "gmail.com" || domain == "googlemail.com") {
        std::ranges::copy_if(local, std::back_inserter(mailbox), [](char c) { return c != '.'; });
        domain = "gmail.com";
    } else {
        mailbox = local;
    }
    mailbox += '@';
    mailbox += domain;
    return mailbox;
}

}  // namespace

MailboxLimit::MailboxLimit(const TokenHasher& hasher, RandomSource& random)
    : hasher_(hasher), key_(random_key(random)) {}

MailboxLimit::Held MailboxLimit::hold(std::string_view email_key, TimePoint window_start) {
    std::unique_lock lock(mutex_);
    const auto outside = [&](TimePoint at) { return at < window_start; };
    // Every 1024 holds, forget the mailboxes with nothing left in the window, so the map holds
    // about the last hour's.
    if (++holds_since_sweep_ >= 1024) {
        std::erase_if(mailed_, [&](const auto& entry) { return std::ranges::all_of(entry.second, outside); });
        holds_since_sweep_ = 0;
    }
    // Keyed (a fixed-length prefix), so that a memory dump does not tell which addresses were
    // mailed.
    auto& times = mailed_[hasher_.hash(key_ + mailbox_of(email_key))];
    std::erase_if(times, outside);
    std::ranges::sort(times);  // oldest first, also after the clock stepped back
    return Held(std::move(lock), times);
}

}  // namespace jambo::core
