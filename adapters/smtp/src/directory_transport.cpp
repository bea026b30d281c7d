#include <jambo/smtp/directory_transport.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace jambo::smtp {

namespace {

void write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        auto written = ::write(fd, data.data(), data.size());
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) throw DeliveryError("cannot write " + path + ": " + std::strerror(errno), Failure::temporary);
        data.remove_prefix(static_cast<std::size_t>(written));
    }
}

}  // namespace

DirectoryMailTransport::DirectoryMailTransport(std::filesystem::path directory) : directory_(std::move(directory)) {
    // A directory we make is the server user's alone. One that exists keeps its mode: another
    // user of it (a group reading test mail) would lose access silently, and each message
    // file is 0600 anyway.
    std::error_code error;
    if (std::filesystem::create_directories(directory_, error)) {
        std::filesystem::permissions(directory_, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace, error);
    }
    if (error || !std::filesystem::is_directory(directory_)) {
        throw std::runtime_error(directory_.string() + " cannot be a mail directory: " +
                                 (error ? error.message() : std::string("a file of that name is in the way")));
    }
}

std::string DirectoryMailTransport::deliver(const MailMessage& message) {
    auto ms = message.date.time_since_epoch().count();
    auto stem = "jambo-" + std::to_string(ms) + "-" + std::to_string(::getpid()) + "-" + std::to_string(sequence_++);
    auto final_path = (directory_ / (stem + ".eml")).string();
    auto temporary = (directory_ / ("." + stem + ".tmp")).string();
    // The file holds a secret link: readable by the server's user only.
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw DeliveryError("cannot create " + temporary + ": " + std::strerror(errno), Failure::temporary);
    try {
        write_all(fd, format_message(message), temporary);
        if (::fsync(fd) != 0) throw DeliveryError("cannot sync " + temporary + ": " + std::strerror(errno), Failure::temporary);
    } catch (...) {
        ::close(fd);
        ::unlink(temporary.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(temporary.c_str(), final_path.c_str()) != 0) {
        auto reason = std::string(std::strerror(errno));
        ::unlink(temporary.c_str());
        throw DeliveryError("cannot rename " + temporary + ": " + reason, Failure::temporary);
    }
    return final_path;
}

}  // namespace jambo::smtp
