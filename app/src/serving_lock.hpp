#pragma once
// The lock that keeps a database to one server, which `restore` takes too.

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace jambo::app {

// One server per database: two would each send every queued mail (their relays do not
// coordinate). An exclusive flock on the database file (which the store has created), held
// while the process lives and dropped by the kernel if it dies; the command line's commands
// do not take it, except `restore`, which replaces the file. SQLite locks with fcntl, which flock does not touch; this descriptor must
// be closed only after the store's connections, as closing any descriptor of the file drops
// the process's fcntl locks.
class ServingLock {
public:
    explicit ServingLock(const std::string& db) {
        fd_ = ::open(db.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) return;  // no file behind the name (SQLite's ":memory:"): nothing to share
        served_elsewhere_ = ::flock(fd_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    }
    [[nodiscard]] bool served_elsewhere() const { return served_elsewhere_; }
    ServingLock(const ServingLock&) = delete;
    ServingLock& operator=(const ServingLock&) = delete;
    ~ServingLock() {
        if (fd_ >= 0) ::close(fd_);
    }

private:
    int fd_ = -1;
    bool served_elsewhere_ = false;
};

}  // namespace jambo::app
