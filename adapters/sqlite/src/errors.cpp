#include "errors.hpp"

#include <jambo/core/ports/store.hpp>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

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
    if (is_unavailable(code)) throw core::StoreUnavailable(message);
    throw std::runtime_error(message);
}

}  // namespace jambo::sqlite::detail
