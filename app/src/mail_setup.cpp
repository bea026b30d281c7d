#include "mail_setup.hpp"

#include <jambo/smtp/curl_smtp_transport.hpp>
#include <jambo/smtp/directory_transport.hpp>
#include <jambo/smtp/message_format.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>

namespace jambo::app {

namespace {

std::string host_of(std::string_view url) {
    auto rest = url.substr(url.find("://") + 3);
    rest = rest.substr(0, rest.find_first_of("/:"));
    return std::string(rest);
}

// Message-IDs and EHLO name our own domain: the sender's, unless that is a placeholder.
std::string our_domain(const ServeConfig& settings) {
    auto domain = smtp::domain_of(settings.mail_from);
    if (!domain.empty() && domain != "localhost") return domain;
    auto host = host_of(settings.policy.public_url);
    // An address is no domain: EHLO would need it as a literal ("[127.0.0.1]", RFC 5321 4.1.3),
    // which strict relays check against the connection; localhost is what they expect instead.
    const bool address = host.starts_with('[') || host.find_first_not_of("0123456789.") == std::string::npos;
    return host.empty() || address ? std::string("localhost") : host;
}

std::string_view describe(smtp::TlsMode mode) {
    switch (mode) {
        case smtp::TlsMode::implicit: return "implicit TLS";
        case smtp::TlsMode::required: return "STARTTLS required";
        case smtp::TlsMode::opportunistic: return "STARTTLS if offered, else plain";
    }
    return "";
}

// The deletion mail asks whoever keeps getting links they did not ask for to reply: a reply
// to a no-reply sender reaches no one.
bool replies_go_nowhere(const ServeConfig& settings) {
    if (!settings.mail_reply_to.empty()) return false;
    const auto mailbox = smtp::parse_mailbox(settings.mail_from);
    if (!mailbox) return false;
    std::string local = mailbox->address.substr(0, mailbox->address.find('@'));
    std::erase_if(local, [](char c) { return c == '-' || c == '_' || c == '.'; });
    std::ranges::transform(local, local.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return local == "noreply" || local == "donotreply";
}

}  // namespace

// A value that is well formed but cannot be used: the one-line error names the setting.
template <typename Make>
auto naming(std::string_view setting, Make make) {
    try {
        return make();
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(setting) + ": " + e.what());
    }
}

MailSetup make_mail_setup(const ServeConfig& settings) {
    if (!settings.smtp_url) {
        auto transport = naming("--mail-dir (JAMBO_MAIL_DIR)",
                                [&] { return std::make_unique<smtp::DirectoryMailTransport>(settings.mail_dir); });
        auto where = transport->directory().string();
        return MailSetup{std::move(transport), where, false};
    }
    auto transport = naming("--smtp-ca-file (JAMBO_SMTP_CA_FILE)", [&] { return std::make_unique<smtp::CurlSmtpTransport>(smtp::SmtpOptions{
        .url = *settings.smtp_url,
        .allow_plaintext = settings.smtp_allow_plaintext,
        .loopback_plaintext = settings.smtp_loopback_plaintext,
        .ca_file = settings.smtp_ca_file,
        .ehlo_name = our_domain(settings),
        .connect_timeout = settings.smtp_connect_timeout,
        .timeout = settings.smtp_timeout,
    }); });
    auto where = transport->endpoint() + " (" + std::string(describe(transport->tls_mode())) + ")";
    return MailSetup{std::move(transport), where, true};
}

smtp::RelayOptions relay_options(const ServeConfig& settings) {
    smtp::RelayOptions options;
    options.from = settings.mail_from;
    options.reply_to = settings.mail_reply_to;
    options.message_id_domain = our_domain(settings);
    options.retry = settings.mail_retry;
    return options;
}

void log_mail_setup(const MailSetup& mail, const ServeConfig& settings) {
    if (mail.delivers) {
        spdlog::info("mail is delivered through {}, retried for up to {}s", mail.destination,
                     std::chrono::duration_cast<std::chrono::seconds>(settings.mail_retry.give_up_after).count());
        if (settings.smtp_password_in_arguments) {
            spdlog::warn("the SMTP password was given in --smtp-url, where other local users can read the command "
                         "line (jambo has blanked it there now, but not from the moment it started, nor from the "
                         "shell's history): give it in JAMBO_SMTP_URL (a systemd EnvironmentFile) instead");
        }
        if (replies_go_nowhere(settings)) {
            spdlog::warn("replies to the deletion mail go to {}, a no-reply address: set --mail-reply-to "
                         "(JAMBO_MAIL_REPLY_TO) to a mailbox someone reads, your data-protection contact (the mail "
                         "asks people who get links they did not ask for to reply)",
                         settings.mail_from);
        }
        return;
    }
    spdlog::warn("mail is NOT being delivered: no SMTP URL is set (JAMBO_SMTP_URL); each message is written "
                 "as an .eml file to {}",
                 mail.destination);
    // Set for a relay that is not configured: a sign the URL was forgotten or misspelt.
    if (!settings.smtp_ca_file.empty()) {
        spdlog::warn("--smtp-ca-file (JAMBO_SMTP_CA_FILE) is set but not used: there is no SMTP URL");
    }
    if (settings.smtp_allow_plaintext) {
        spdlog::warn("--smtp-allow-plaintext (JAMBO_SMTP_ALLOW_PLAINTEXT) is set but not used: there is no SMTP URL");
    }
}

}  // namespace jambo::app
