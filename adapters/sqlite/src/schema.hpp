#pragma once
// The database schema: versioned with PRAGMA user_version, created and upgraded by
// forward-only migrations, each in one transaction.

#include <cstdint>

namespace jambo::sqlite::detail {

class Connection;

/// "JMBO" in the file header's application_id: marks the file as Jambo's, so a stray SQLite
/// file is refused instead of migrated.
inline constexpr std::uint32_t application_id = 0x4A4D424F;

/// The schema version this build creates and understands.
[[nodiscard]] int latest_schema_version();

/// Throws SchemaTooNew when the file was migrated by a newer build, and std::runtime_error
/// when it belongs to another application.
void refuse_foreign_or_newer(Connection& connection);

/// Switches the file to WAL and applies every missing migration. Safe when several processes
/// open the same file at once: each migration re-checks the version under the write lock.
/// Returns the version the file had (0: a new file).
int migrate(Connection& connection);

}  // namespace jambo::sqlite::detail
