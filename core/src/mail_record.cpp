#include <jambo/core/mail_record.hpp>

namespace jambo::core {

namespace {

constexpr std::string_view key_marker = "; message ";

}  // namespace

std::string mail_key(std::int64_t outbox_id, TimePoint queued_at) {
    return "jambo." + std::to_string(queued_at.time_since_epoch().count()) + "." + std::to_string(outbox_id);
}

std::string handled_mail_detail(std::string_view how, const OutboxMessage& message) {
    std::string detail(how);
    detail += key_marker;
    detail += mail_key(message.id, message.created_at);
    return detail;
}

std::optional<std::string_view> mail_key_in(std::string_view detail) {
    const auto at = detail.rfind(key_marker);
    if (at == std::string_view::npos) return std::nullopt;
    return detail.substr(at + key_marker.size());
}

}  // namespace jambo::core
