#include "schema.hpp"

#include "connection.hpp"

#include <jambo/sqlite/sqlite_store.hpp>

#include <array>
#include <stdexcept>
#include <string>

namespace jambo::sqlite::detail {

namespace {

struct Migration {
    int version;
    const char* sql;
    int from = version - 1;  ///< the oldest version it applies to
};

// Version 1. Design notes (see also docs/benchmarks.md):
//  - customers is a WITHOUT ROWID table clustered on ulid: a point read is one B-tree
//    descent, a keyset page is one contiguous range, and an insert touches one B-tree fewer
//    than a rowid table with a unique ulid index.
//  - email is COLLATE NOCASE, which folds exactly ASCII, as Customer::email_key() does, so the
//    unique index enforces case-insensitive uniqueness without a second copy of the address.
//  - counters keeps row counts in the same transaction as the rows (triggers; for customers
//    code since version 2), so count() and depth() read one row instead of scanning.
//  - customer_chunks splits the ulid order into runs of at most ~1024 customers (the first, a
//    sentinel, starts at '') with their sizes, kept by triggers (code since version 2; the
//    rules are the same, see customer_repository.cpp). page(offset) adds run sizes
//    from the nearer end until it reaches the offset, then skips less than one run, so a
//    deep page costs about count/2048 + 1024 steps instead of `offset`.
//  - Everything tied to a customer references it ON DELETE CASCADE, so erasure is one DELETE.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE customers (
    ulid         TEXT PRIMARY KEY NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    middle_name  TEXT NOT NULL,
    nationality  TEXT NOT NULL,
    dob          TEXT NOT NULL,
    email        TEXT NOT NULL COLLATE NOCASE,
    phone_number TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX customers_email ON customers (email);
CREATE UNIQUE INDEX customers_phone_number ON customers (phone_number);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('customers', 0), ('outbox', 0);

CREATE TABLE customer_chunks (
    first_ulid TEXT PRIMARY KEY NOT NULL,
    size       INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO customer_chunks (first_ulid, size) VALUES ('', 0);

CREATE TRIGGER customers_after_insert AFTER INSERT ON customers BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'customers';
    UPDATE customer_chunks SET size = size + 1
     WHERE first_ulid = (SELECT max(first_ulid) FROM customer_chunks WHERE first_ulid <= NEW.ulid);
END;

CREATE TRIGGER customers_after_delete AFTER DELETE ON customers BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'customers';
    UPDATE customer_chunks SET size = size - 1
     WHERE first_ulid = (SELECT max(first_ulid) FROM customer_chunks WHERE first_ulid <= OLD.ulid);
END;

-- A run that grew past 1024 splits. The last run keeps 1024 and starts a new run with the
-- rest, so appends (new ulids sort last) leave full runs behind; any other run halves.
CREATE TRIGGER customer_chunks_split AFTER UPDATE OF size ON customer_chunks
WHEN NEW.size > 1024 BEGIN
    INSERT INTO customer_chunks (first_ulid, size)
        SELECT ulid, NEW.size - (CASE WHEN EXISTS (SELECT 1 FROM customer_chunks WHERE first_ulid > NEW.first_ulid)
                                      THEN 512 ELSE 1024 END)
          FROM customers WHERE ulid >= NEW.first_ulid ORDER BY ulid LIMIT 1
        OFFSET (CASE WHEN EXISTS (SELECT 1 FROM customer_chunks WHERE first_ulid > NEW.first_ulid)
                     THEN 512 ELSE 1024 END);
    -- The run just inserted is now the next one; this run keeps the rest.
    UPDATE customer_chunks
       SET size = NEW.size - (SELECT size FROM customer_chunks WHERE first_ulid =
                                  (SELECT min(first_ulid) FROM customer_chunks WHERE first_ulid > NEW.first_ulid))
     WHERE first_ulid = NEW.first_ulid;
END;

-- A run that shrank below 64 joins the run before it (the sentinel run never goes away).
-- Only shrinking merges: a young last run grows through small sizes.
CREATE TRIGGER customer_chunks_merge AFTER UPDATE OF size ON customer_chunks
WHEN NEW.size < OLD.size AND NEW.size < 64 AND NEW.first_ulid <> '' BEGIN
    UPDATE customer_chunks SET size = size + NEW.size
     WHERE first_ulid = (SELECT max(first_ulid) FROM customer_chunks WHERE first_ulid < NEW.first_ulid);
    DELETE FROM customer_chunks WHERE first_ulid = NEW.first_ulid;
END;

CREATE TABLE staff_accounts (
    id         TEXT PRIMARY KEY NOT NULL,
    email      TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A credential belongs to exactly one customer or one staff account.
CREATE TABLE credentials (
    hash       BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
    customer   TEXT REFERENCES customers (ulid) ON DELETE CASCADE,
    staff      TEXT REFERENCES staff_accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0,
    CHECK ((customer IS NULL) <> (staff IS NULL))
) WITHOUT ROWID;
CREATE INDEX credentials_customer ON credentials (customer);
CREATE INDEX credentials_staff ON credentials (staff);

CREATE TABLE deletion_tokens (
    hash       BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
    customer   TEXT NOT NULL REFERENCES customers (ulid) ON DELETE CASCADE,
    email_key  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX deletion_tokens_customer ON deletion_tokens (customer, created_at);
CREATE INDEX deletion_tokens_expires_at ON deletion_tokens (expires_at);

-- AUTOINCREMENT: ids are never reused, even after the newest message is removed.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    customer        TEXT REFERENCES customers (ulid) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id);
CREATE INDEX outbox_customer ON outbox (customer);
CREATE INDEX outbox_created_at ON outbox (created_at);

CREATE TRIGGER outbox_after_insert AFTER INSERT ON outbox BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'outbox';
END;
CREATE TRIGGER outbox_after_delete AFTER DELETE ON outbox BEGIN
    UPDATE counters SET value = value - 1 WHERE name = 'outbox';
END;

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    event   TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);

PRAGMA application_id = 1246577231;
)sql";

// Version 2: the customer counter and the run sizes are kept by SqliteCustomerRepository in
// the same statements' transaction instead of by triggers. Each trigger program SQLite runs
// allocates and zeroes a frame for its registers (three per insert, with the run triggers
// firing recursively), which made the triggers a quarter of the writer's work per
// registration. The data is unchanged; only code paths that insert or delete customers (all
// in customer_repository.cpp) must keep both.
constexpr const char* schema_v2 = R"sql(
DROP TRIGGER customers_after_insert;
DROP TRIGGER customers_after_delete;
DROP TRIGGER customer_chunks_split;
DROP TRIGGER customer_chunks_merge;
)sql";

// Version 3: credentials_staff covers staff credentials only. Every customer credential added
// a NULL entry to it at a random place (ordered by the random hash after it), so each
// registration wrote one more random index page to the WAL. `staff = ?` implies
// `staff IS NOT NULL`, so the lookups by staff account still use the partial index.
constexpr const char* schema_v3 = R"sql(
DROP INDEX credentials_staff;
CREATE INDEX credentials_staff ON credentials (staff) WHERE staff IS NOT NULL;
)sql";

// Version 4: a deletion token keeps a digest of its token and the address it was mailed to,
// not the address: after the customer changes it, the old one is no longer on file. Tokens
// made before cannot be given one (their secret is not kept), so they get a digest nothing
// matches: their links answer 404, their requests still count towards the hourly limit, and
// the old addresses are overwritten (secure_delete) at once.
// Their mails still queued would go out with links that answer 404: they are dropped too
// (the customer asks again), each recorded as the relay records mail it gives up.
constexpr const char* schema_v4 = R"sql(
ALTER TABLE deletion_tokens RENAME COLUMN email_key TO email_digest;
UPDATE deletion_tokens SET email_digest = zeroblob(32);
INSERT INTO audit_log (at, event, subject, detail)
    SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'mail.abandoned', coalesce(customer, ''),
           'migration: its link stopped working'
      FROM outbox WHERE body LIKE '%/delete/confirm%';
DELETE FROM outbox WHERE body LIKE '%/delete/confirm%';
)sql";

// Versions 5 and 6 were written by builds of main on 2026-11-30 and dropped within hours,
// never released (a table of address notes for the deletion limit, which now lives in memory,
// and one of purged link hashes, replaced by keeping expired links 30 days). Version 7 applies
// to them as to version 4, and drops their tables.
//
// Version 7: a random identity, made once per database and carried by its backups, so that
// `jambo backup` replaces an older backup of the same database but refuses another database
// named by mistake as the destination (a stopped server's, whose data the copy would erase).
constexpr const char* schema_v7 = R"sql(
DROP TABLE IF EXISTS deletion_mail_notes;
DROP TABLE IF EXISTS purged_deletion_tokens;
CREATE TABLE database_identity (id TEXT NOT NULL);
INSERT INTO database_identity (id) VALUES (lower(hex(randomblob(16))));
)sql";

// Version 8: a queued message's expiry, its link's: the relay gives it up then instead of
// mailing a link that answers 410, and the raw link leaves the outbox with it. Mail already
// queued gets its link's expiry too: the link and its mail were written in one transaction,
// at one time, for one customer (a backup from before the upgrade, restored, is migrated so).
constexpr const char* schema_v8 = R"sql(
ALTER TABLE outbox ADD COLUMN expires_at INTEGER;
UPDATE outbox SET expires_at = (SELECT max(t.expires_at) FROM deletion_tokens t
                                 WHERE t.customer = outbox.customer AND t.created_at = outbox.created_at)
 WHERE customer IS NOT NULL;
)sql";

constexpr std::array migrations{Migration{1, schema_v1}, Migration{2, schema_v2}, Migration{3, schema_v3},
                                Migration{4, schema_v4}, Migration{7, schema_v7, 4}, Migration{8, schema_v8}};

int read_pragma(Connection& connection, const char* pragma) {
    return connection.database().execAndGet(pragma).getInt();
}

void throw_if_newer(const Connection& connection, int version) {
    if (version <= latest_schema_version()) return;
    throw SchemaTooNew("database " + connection.path() + " has schema version " + std::to_string(version) +
                       ", newer than version " + std::to_string(latest_schema_version()) +
                       " that this build of jambo understands; run the newer jambo that wrote it, "
                       "or restore a backup made by this version");
}

void ensure_wal(Connection& connection) {
    const auto mode = connection.database().execAndGet("PRAGMA journal_mode").getString();
    if (mode != "wal") connection.execute("PRAGMA journal_mode = WAL");
}

void rollback_quietly(Connection& connection) noexcept {
    try {
        if (connection.in_transaction()) connection.execute("ROLLBACK");
    } catch (...) {  // the original failure is the one worth reporting
    }
}

void apply(Connection& connection, const Migration& migration) {
    connection.execute("BEGIN IMMEDIATE");
    try {
        // Another process may have migrated while we waited for the write lock.
        const int current = read_pragma(connection, "PRAGMA user_version");
        throw_if_newer(connection, current);
        if (current >= migration.from && current < migration.version) {
            connection.execute(migration.sql);
            connection.execute(("PRAGMA user_version = " + std::to_string(migration.version)).c_str());
        }
        connection.execute("COMMIT");
    } catch (...) {
        rollback_quietly(connection);
        throw;
    }
}

}  // namespace

int latest_schema_version() { return migrations.back().version; }

void refuse_foreign_or_newer(Connection& connection) {
    const int id = read_pragma(connection, "PRAGMA application_id");
    if (id != 0 && static_cast<std::uint32_t>(id) != application_id) {
        throw std::runtime_error("database " + connection.path() +
                                 " belongs to another application (its application_id is " +
                                 std::to_string(id) + "); refusing to open it");
    }
    throw_if_newer(connection, read_pragma(connection, "PRAGMA user_version"));
}

namespace {

// A file with tables but neither our application_id nor a schema version is another
// application's database: creating ours beside its tables (and switching it to WAL) would
// change a file that is not ours.
void refuse_unmarked_tables(Connection& connection) {
    if (read_pragma(connection, "PRAGMA application_id") != 0 || read_pragma(connection, "PRAGMA user_version") != 0) {
        return;
    }
    const int tables = connection.database().execAndGet("SELECT count(*) FROM sqlite_schema").getInt();
    if (tables > 0) {
        throw std::runtime_error("database " + connection.path() +
                                 " is not a jambo database (it holds another application's tables); "
                                 "refusing to change it");
    }
}

}  // namespace

int migrate(Connection& connection) {
    refuse_foreign_or_newer(connection);
    refuse_unmarked_tables(connection);
    ensure_wal(connection);
    const int found = read_pragma(connection, "PRAGMA user_version");
    if (found == latest_schema_version()) return found;
    for (const auto& migration : migrations) apply(connection, migration);
    return found;
}

}  // namespace jambo::sqlite::detail
