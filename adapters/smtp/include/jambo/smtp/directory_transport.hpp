#pragma once
/// Development-mode delivery: each message becomes an .eml file in a directory.

#include <jambo/smtp/mail_transport.hpp>

#include <atomic>
#include <filesystem>

namespace jambo::smtp {

class DirectoryMailTransport final : public MailTransport {
public:
    /// Creates the directory (mode 0700) if needed; throws std::runtime_error naming it if it
    /// cannot be made or is a file.
    explicit DirectoryMailTransport(std::filesystem::path directory);

    /// Writes the file atomically (temporary name, then rename) with mode 0600: it holds a
    /// secret link. Returns the file's path.
    std::string deliver(const MailMessage& message) override;
    [[nodiscard]] std::string_view kind() const override { return "file"; }

    [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }

private:
    std::filesystem::path directory_;
    std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace jambo::smtp
