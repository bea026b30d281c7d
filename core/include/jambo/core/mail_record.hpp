#pragma once
/// How a queued message is named outside the outbox: in its Message-ID and in the audit entry
/// that records its delivery or abandonment, which is how `jambo restore` tells mail the
/// replaced database already sent from mail still to send.

#include <jambo/core/ports/store.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jambo::core {

/// "jambo.<queued at, ms since the epoch>.<outbox id>". The id alone does not name a message:
/// a database restored from a backup hands the ids it had not used yet to other messages.
[[nodiscard]] std::string mail_key(std::int64_t outbox_id, TimePoint queued_at);

/// The audit detail of a message delivered or given up: `how` ("smtp", "smtp: rejected with
/// 550"), then "; message " and its key.
[[nodiscard]] std::string handled_mail_detail(std::string_view how, const OutboxMessage& message);

/// The key a handled-mail detail names; none for entries written before details named one.
[[nodiscard]] std::optional<std::string_view> mail_key_in(std::string_view detail);

}  // namespace jambo::core
