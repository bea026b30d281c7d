#include "restore.hpp"

#include "serving_lock.hpp"

#include <jambo/core/ports/clock.hpp>
#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/ulid.hpp>
#include <jambo/sodium/sodium.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>

namespace jambo::app {

namespace {

namespace fs = std::filesystem;

sqlite::SqliteOptions options_for(const Config& config, const std::string& path) {
    return sqlite::SqliteOptions{.path = path, .durability = config.durability};
}

std::string working_copy_of(const std::string& db) { return db + ".restoring"; }

// Where a symbolic link (or a chain of them) points, whether or not the file is there yet: in
// a disaster recovery the link may be all that is left.
std::string resolved(const std::string& db) {
    fs::path path = db;
    std::error_code ec;
    if (!fs::is_symlink(path, ec)) return db;
    for (int hops = 0; hops < 40 && fs::is_symlink(path, ec); ++hops) {
        const fs::path target = fs::read_symlink(path, ec);
        if (ec) break;
        path = target.is_absolute() ? target : path.parent_path() / target;
    }
    const auto normal = fs::weakly_canonical(path, ec);
    return ec ? path.string() : normal.string();
}

void check_source(const std::string& backup, const std::string& db) {
    std::error_code ec;
    if (!fs::exists(backup, ec)) throw std::invalid_argument("backup " + backup + " does not exist");
    if (!fs::is_regular_file(backup, ec)) throw std::invalid_argument("backup " + backup + " is not a file");
    if (::access(backup.c_str(), R_OK) != 0) {
        throw std::invalid_argument("cannot read backup " + backup + ": " + std::strerror(errno));
    }
    if (fs::equivalent(backup, db, ec)) throw std::invalid_argument("backup " + backup + " is the database itself");
    if (fs::exists(working_copy_of(db), ec) && fs::equivalent(backup, working_copy_of(db), ec)) {
        throw std::invalid_argument("backup " + backup + " has the name restore gives its working copy; " +
                                    "rename or move it first");
    }
    // An empty file (a backup job that failed) would make an empty database; a backup is never one.
    if (!sqlite::SqliteStore::is_jambo_file(backup)) {
        throw std::invalid_argument("backup " + backup + " is not a jambo database (" +
                                    (fs::file_size(backup, ec) == 0 ? "it is empty" : "not made by jambo backup") +
                                    "); nothing was changed");
    }
    // A copy of the file alone would miss what that -wal holds.
    if (fs::file_size(backup + "-wal", ec) > 0 && !ec) {
        throw std::invalid_argument("backup " + backup + " has a -wal file beside it: it is in use, or was not " +
                                    "closed cleanly; stop what uses it, or run `jambo migrate --db " + backup +
                                    "` once to fold it in");
    }
}

void remove_with_sidecars(const std::string& path) {
    std::error_code ignored;
    for (const auto& file : sqlite::SqliteStore::files_of(path)) fs::remove(file, ignored);
}

// Byte for byte, owner-only like every database Jambo creates, and on disk before it is used.
void copy_file_private(const std::string& from, const std::string& to, const std::string& owner_like) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) throw std::runtime_error("cannot read backup " + from + ": " + std::strerror(errno));
    const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        const int error = errno;
        ::close(in);
        throw std::runtime_error("cannot create " + to + ": " + std::strerror(error));
    }
    // Run as root for a service's database, the copy keeps the service's owner, or the
    // service could not open what replaced its file.
    struct stat live {};
    if (::stat(owner_like.c_str(), &live) == 0) (void)::fchown(out, live.st_uid, live.st_gid);
    std::array<char, 1 << 16> chunk{};
    ssize_t got = 0;
    bool ok = true;
    while (ok && (got = ::read(in, chunk.data(), chunk.size())) > 0) {
        for (ssize_t done = 0; ok && done < got;) {
            const ssize_t put = ::write(out, chunk.data() + done, static_cast<std::size_t>(got - done));
            ok = put > 0;
            done += put > 0 ? put : 0;
        }
    }
    const int error = errno;
    ok = ok && got == 0 && ::fsync(out) == 0;
    ::close(in);
    ::close(out);
    if (!ok) throw std::runtime_error("cannot copy " + from + " to " + to + ": " + std::strerror(error));
}

// Refuses another application's file or a newer schema, migrates an older one, and says so
// of the backup the operator named, not of the copy.
std::unique_ptr<sqlite::SqliteStore> open_copy(const sqlite::SqliteOptions& options, const std::string& backup) {
    try {
        return std::make_unique<sqlite::SqliteStore>(options);
    } catch (const std::exception& e) {
        std::string message = e.what();
        const std::string copy = "database " + options.path;
        if (message.starts_with(copy)) message.replace(0, copy.size(), "backup " + backup);
        throw std::runtime_error(message);
    }
}

// Another process with the database open (a sqlite3 shell, a jambo command, a backup in
// progress) would go on with the file this replaces, and write its -wal beside the restored one.
void refuse_if_open_elsewhere(const std::string& db, const std::string& named) {
    if (sqlite::SqliteStore::open_in_another_process(db)) {
        throw std::runtime_error("database " + named + " is open in another process (a sqlite3 shell, a jambo " +
                                 "command, a backup in progress); close it first");
    }
}

void sync_directory_of(const std::string& path) {
    const auto dir = fs::absolute(path).parent_path();
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

struct Prepared {
    core::CarriedOver carried;
    std::uint64_t customers = 0;
};

// The backup copied beside the database, checked, migrated, and given the erasures and
// revocations `live` recorded since; closed (its WAL folded in) when this returns.
Prepared prepare_copy(const Config& config, const std::string& backup, const std::string& copy,
                      const std::string& db, sqlite::SqliteStore& live) {
    core::SystemClock clock;
    sodium::SodiumRandom random;
    sodium::Blake2bHasher hasher;
    core::UlidGenerator ulids{clock, random};
    copy_file_private(backup, copy, db);
    auto restored = open_copy(options_for(config, copy), backup);
    if (auto problem = restored->integrity_problem(); !problem.empty()) {
        std::ranges::replace(problem, '\n', ' ');  // SQLite's report has a line per problem
        throw std::runtime_error("backup " + backup + " is damaged (" + problem + "); nothing was changed");
    }
    Prepared prepared;
    prepared.customers = restored->begin(core::TransactionMode::read)->customers().count();  // as backed up
    auto carried = core::AdminService(*restored, clock, random, hasher, ulids).restore_carry_over(live);
    if (!carried) throw std::runtime_error(carried.error().message);
    prepared.carried = *carried;
    // The same database, restored: the backups written over nightly since stay its own (a
    // backup made before databases had an identity got a new one when it was migrated).
    restored->take_identity(live.identity());
    restored->checkpoint();
    return prepared;
}

}  // namespace

void remove_interrupted_restore(const std::string& database) {
    const std::string copy = working_copy_of(resolved(database));
    std::error_code ec;
    if (!fs::exists(copy, ec)) return;
    remove_with_sidecars(copy);
    spdlog::warn("removed {}: the working copy of a jambo restore that did not finish (it held the backup's data, "
                 "erased customers' included)",
                 copy);
}

int restore(const Config& config, const std::string& backup, std::ostream& err) {
    // Through a symbolic link the database, its -wal and the working copy are at the target,
    // which the rename must replace, not the link.
    std::error_code ec;
    const std::string db = resolved(config.db);
    check_source(backup, db);
    const bool existed = fs::exists(db, ec);

    // The database to replace: created and migrated if missing, as by every command.
    refuse_migration_in_use(db);
    std::optional<sqlite::SqliteStore> live;
    try {
        live.emplace(options_for(config, db));
    } catch (const sqlite::SchemaTooNew& e) {
        throw std::runtime_error(std::string(e.what()) + ". restore cannot read what was erased in it; to go back " +
                                 "to an older version, see docs/operations.md, Upgrading");
    }
    const ServingLock serving(db);
    if (serving.served_elsewhere()) {
        throw std::runtime_error("database " + config.db + " is in use by a running jambo serve or another jambo " +
                                 "restore; stop it first (a restore replaces the file)");
    }
    // Held until the copy is ready: a command run meanwhile (a token revoked) waits, or fails
    // with "database is locked", instead of writing into the file being replaced after what
    // to carry over was read.
    auto writers_held = live->begin(core::TransactionMode::write);

    // Prepared beside it and renamed over it, so the database is either the old file or the
    // whole restored one.
    const std::string restoring = working_copy_of(db);
    remove_with_sidecars(restoring);
    Prepared prepared;
    try {
        prepared = prepare_copy(config, backup, restoring, db, *live);
        writers_held.reset();
        live.reset();
        refuse_if_open_elsewhere(db, config.db);
        // Closed, the old file's WAL is in it; a -wal or -journal left over would be replayed
        // into the restored one.
        const auto files = sqlite::SqliteStore::files_of(db);
        for (auto sidecar = files.begin() + 1; sidecar != files.end(); ++sidecar) fs::remove(*sidecar);
        fs::rename(restoring, db);
        sync_directory_of(db);
    } catch (...) {
        remove_with_sidecars(restoring);
        if (!existed) remove_with_sidecars(db);  // a mistyped --db is not left behind, empty
        throw;
    }
    if (!existed) {
        err << "jambo: warning: " << config.db << " did not exist, so no erasures or revocations were carried over\n";
    }
    if (prepared.customers == 0) err << "jambo: warning: the backup holds no customers\n";
    err << "jambo: " << config.db << " restored from " << backup << "; made again since that backup: "
        << prepared.carried.erased << " erasure(s), " << prepared.carried.revoked << " token revocation(s); "
        << "not sent again: " << prepared.carried.mail_not_resent
        << " queued message(s) the replaced database had sent or given up\n";
    return 0;
}

}  // namespace jambo::app
