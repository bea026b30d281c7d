#include "errors.hpp"

#include <jambo/core/ports/store.hpp>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace jambo::sqlite::detail {

namespace {

// What an operator should read in the log; SQLite's own text follows in parentheses.
std::string_view explain(int primary) {
    switch (primary) {
        case SQLITE_FULL:
            return "the disk (or the configured size limit) is full";
        case SQLITE_READONLY:
            return "the database is read-only";
        case SQLITE_IOERR:
            return "an I/O error occurred";
        case SQLITE_CANTOPEN:
            return "the database file cannot be opened";
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return "the database stayed locked by another writer past the busy timeout";
        case SQLITE_PROTOCOL:
            return "the WAL locking protocol failed repeatedly";
        case SQLITE_NOMEM:
            return "SQLite ran out of memory";
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return "the database file is corrupt or not an SQLite database";
        default:
            return "SQLite failed";
    }
}

// "; its file system is mounted read-only" when the database's directory is on a read-only
// mount, else nothing.
std::string read_only_mount_hint(std::string_view path) {
    auto directory = std::filesystem::path(path).parent_path();
    if (directory.empty()) directory = ".";
    struct statvfs facts{};
    if (::statvfs(directory.c_str(), &facts) != 0 || (facts.f_flag & ST_RDONLY) == 0) return {};
    return "; its file system (" + directory.string() + ") is mounted read-only";
}

// "; directory D does not exist" when the database's directory is missing: SQLite says only
// "unable to open database file", and a typo in the path is the usual cause.
std::string missing_directory_hint(std::string_view path) {
    const auto directory = std::filesystem::path(path).parent_path();
    std::error_code error;
    if (directory.empty() || std::filesystem::is_directory(directory, error)) return {};
    return "; directory " + directory.string() + " does not exist";
}

// "; this process cannot write its directory D, where SQLite keeps the -wal and -shm files"
// when that is so: a writable database in a directory it cannot write (copied into a
// root-owned directory, restored with the wrong owner) is read-only to SQLite all the same.
std::string unwritable_directory_hint(std::string_view path) {
    auto directory = std::filesystem::path(path).parent_path();
    if (directory.empty()) directory = ".";
    std::error_code error;
    // A missing one is missing_directory_hint's to name.
    if (!std::filesystem::is_directory(directory, error) || ::access(directory.c_str(), W_OK) == 0) return {};
    return "; this process cannot write its directory " + directory.string() +
           ", where SQLite keeps the -wal and -shm files beside it (check the directory's owner and mode)";
}

}  // namespace

bool is_unavailable(int result_code) {
    switch (result_code & 0xFF) {
        case SQLITE_FULL:
        case SQLITE_READONLY:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_PROTOCOL:
        case SQLITE_NOMEM:
            return true;
        default:
            return false;
    }
}

void rethrow_translated(const SQLite::Exception& error, std::string_view path) {
    const int code = error.getErrorCode();
    std::string message = "database ";
    message.append(path)
        .append(": ")
        .append(explain(code & 0xFF))
        .append(" (")
        .append(error.what())
        .append(")");
    // SQLite says only "unable to open database file" when the mount is read-only; the
    // operator's remedy is elsewhere than the file's mode.
    if ((code & 0xFF) == SQLITE_CANTOPEN || (code & 0xFF) == SQLITE_READONLY) {
        const auto mount = read_only_mount_hint(path);
        message.append(mount.empty() ? unwritable_directory_hint(path) : mount);
    }
    if ((code & 0xFF) == SQLITE_CANTOPEN) message.append(missing_directory_hint(path));
    if (is_unavailable(code)) throw core::StoreUnavailable(message);
    throw std::runtime_error(message);
}

}  // namespace jambo::sqlite::detail
