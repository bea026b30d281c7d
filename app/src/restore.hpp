#pragma once
// `jambo restore FILE`: puts a backup in the database's place, with every erasure and token
// revocation made since the backup made again.

#include <jambo/app/config.hpp>

#include <iosfwd>
#include <string>

namespace jambo::app {

/// Refuses while a server uses the database. Prints one line on `err` saying what it carried
/// over. Throws on failure, leaving the database as it was.
int restore(const Config& config, const std::string& backup, std::ostream& err);

/// For `serve`, once it holds the database: removes the working copy a restore cut short
/// (killed, or the machine went down) left beside it, which holds the backup's personal data,
/// and says so in the log.
void remove_interrupted_restore(const std::string& database);

}  // namespace jambo::app
