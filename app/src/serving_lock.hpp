#pragma once
// Who else uses the database: the lock that keeps it to one server (which `restore` takes
// too), and the refusal to migrate it under another process.

#include <jambo/sqlite/sqlite_store.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
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

// A database that needs migrating must not be migrated under a process that has it open: an
// older jambo serve would fail every write (500) until restarted, and a backup taken "before
// the upgrade" would already be the new version. Every command (serve too) asks before it
// opens the store, which migrates.
inline void refuse_migration_in_use(const std::string& db) {
    const auto found = sqlite::SqliteStore::schema_version_of(db);
    if (!found || *found >= sqlite::SqliteStore::schema_version()) return;
    if (!sqlite::SqliteStore::open_in_another_process(db)) return;
    throw std::runtime_error("database " + db + " is at schema version " + std::to_string(*found) +
                             " and open in another process (an older jambo serve?); this version would migrate it " +
                             "to " + std::to_string(sqlite::SqliteStore::schema_version()) +
                             " under that process: stop it first, then run this command again (docs/operations.md, "
                             "Upgrading)");
}

}  // namespace jambo::app
