#pragma once
// How `jambo serve` sends mail: the transport its settings call for and the relay's options.

#include <jambo/app/config.hpp>
#include <jambo/smtp/mail_transport.hpp>
#include <jambo/smtp/outbox_relay.hpp>

#include <memory>
#include <string>

namespace jambo::app {

struct MailSetup {
    std::unique_ptr<smtp::MailTransport> transport;
    std::string destination;  ///< for the log: an SMTP URL without credentials, or a directory
    bool delivers = false;    ///< false in development mode: mail only goes to files
};

/// SMTP when a URL is set, else .eml files in the mail directory. Throws std::invalid_argument
/// (bad URL, unreadable CA file) or std::filesystem::filesystem_error (mail directory).
[[nodiscard]] MailSetup make_mail_setup(const ServeConfig& settings);

[[nodiscard]] smtp::RelayOptions relay_options(const ServeConfig& settings);

/// Says at start-up where mail goes; in development mode, loudly, that it is not delivered.
void log_mail_setup(const MailSetup& mail, const ServeConfig& settings);

}  // namespace jambo::app
