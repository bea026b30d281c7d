#include <jambo/app/commands.hpp>

#include <jambo/core/policy.hpp>
#include <jambo/core/ports/clock.hpp>
#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/core/ulid.hpp>
#include <jambo/http/api.hpp>
#include <jambo/http/server.hpp>
#include <jambo/smtp/outbox_relay.hpp>
#include <jambo/sodium/sodium.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include "mail_setup.hpp"
#include "restore.hpp"
#include "serving_lock.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <ostream>

namespace jambo::app {

namespace {

// The adapters every command needs, built in dependency order.
struct Infrastructure {
    explicit Infrastructure(const Config& config)
        : store(sqlite::SqliteOptions{.path = config.db, .durability = config.durability}) {}

    core::SystemClock clock;
    sodium::SodiumRandom random;
    sodium::Blake2bHasher hasher;
    core::UlidGenerator ulids{clock, random};
    sqlite::SqliteStore store;

    core::AdminService admin() { return core::AdminService(store, clock, random, hasher, ulids); }
};

std::string printable_address(const http::ServerOptions& options, std::uint16_t port) {
    auto host = options.address.find(':') == std::string::npos ? options.address : "[" + options.address + "]";
    return host + ":" + std::to_string(port);
}

int refuse(std::ostream& err, const core::Error& error) {
    std::string message = error.message;
    for (const auto& [field, messages] : error.fields) {
        for (const auto& text : messages) message += (message.empty() ? "" : " ") + field + ": " + text;
    }
    err << "jambo: " << message << '\n';
    return 1;
}

// What an operator needs on the first start, in one short block after the listening line.
void log_first_steps(const Config& config, const MailSetup& mail, bool no_staff) {
    spdlog::info("  API:   {}/api/  (status: {}/api/status)", config.serve.policy.public_url, config.serve.policy.public_url);
    spdlog::info("  data:  {}", config.db);
    spdlog::info("  mail:  {}", mail.delivers ? "delivered through " + mail.destination
                                              : "NOT delivered; written to " + mail.destination);
    if (no_staff) {
        spdlog::info("  staff: none yet; make a staff token with: jambo staff add --db {} --email you@example.org",
                     config.db);
    }
}

// Shells and systemd start processes with a soft limit of 1,024 open files, under the
// default connection cap; the hard limit is what the operator allows. The server takes it,
// so the cap, not the limit, decides when clients get 503.
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);  // if refused, the server lowers its cap and says so
}

// A core file holds whatever was in memory: customers' records, tokens, deletion links, the
// SMTP password, written to disk by a crash and kept past every erasure. Only the soft limit:
// an operator debugging a crash can allow them with --core-dumps.
void forbid_core_dumps() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_CORE, &limit) != 0) return;
    limit.rlim_cur = 0;
    if (::setrlimit(RLIMIT_CORE, &limit) != 0) spdlog::warn("could not turn core dumps off (setrlimit RLIMIT_CORE)");
}

// Settings that are each valid but undo one another: the server runs, and says which wins.
void warn_about_contradictions(const ServeConfig& settings) {
    const auto& server = settings.server;
    if (server.request_timeout < server.header_timeout) {
        spdlog::warn("--request-timeout ({}) is shorter than --header-timeout ({}): a request's header gets {} at most",
                     duration_text(server.request_timeout), duration_text(server.header_timeout),
                     duration_text(server.request_timeout));
    }
    if (settings.mail_retry.first > settings.mail_retry.max) {
        spdlog::warn("--mail-retry-first ({}) is longer than --mail-retry-max ({}): every wait between attempts is "
                     "at most {}",
                     duration_text(settings.mail_retry.first), duration_text(settings.mail_retry.max),
                     duration_text(settings.mail_retry.max));
    }
    if (settings.mail_retry.give_up_after < std::min(settings.mail_retry.first, settings.mail_retry.max)) {
        spdlog::warn("--mail-retry-for ({}) ends before the first retry is due: a message whose first delivery "
                     "fails is tried once more at that deadline, then given up",
                     duration_text(settings.mail_retry.give_up_after));
    }
}

// The mail directory a start made, removed again (if still empty) unless the start succeeds:
// a busy port or a database already served leaves nothing behind.
class NewMailDirectory {
public:
    explicit NewMailDirectory(const ServeConfig& settings) {
        std::error_code error;
        if (!settings.smtp_url && !std::filesystem::exists(settings.mail_dir, error)) path_ = settings.mail_dir;
    }
    ~NewMailDirectory() {
        std::error_code error;
        if (!path_.empty()) std::filesystem::remove(path_, error);  // only an empty directory goes
    }
    NewMailDirectory(const NewMailDirectory&) = delete;
    NewMailDirectory& operator=(const NewMailDirectory&) = delete;
    void keep() { path_.clear(); }

private:
    std::filesystem::path path_;
};

// A database another server holds, or one this process cannot write, is refused before the
// server starts: each with the one thing the operator has to change.
void refuse_served_elsewhere(const std::string& db, const ServingLock& serving) {
    if (serving.served_elsewhere()) {
        throw std::runtime_error("database " + db + " is already served by another jambo serve (or a jambo "
                                 "restore is replacing it); stop that one first (two servers would both send every "
                                 "mail)");
    }
}

void refuse_read_only(const std::string& db, sqlite::SqliteStore& store) {
    if (!store.read_only()) return;
    // A read-only mount is the usual cause under systemd (ProtectSystem=strict without the
    // directory in ReadWritePaths=), where owner and mode are fine.
    struct statvfs mount {};
    if (::statvfs(db.c_str(), &mount) == 0 && (mount.f_flag & ST_RDONLY) != 0) {
        throw std::runtime_error("database " + db + " is on a read-only mount; the server needs to write it " +
                                 "(remount it read-write, or with systemd list its directory in ReadWritePaths=)");
    }
    throw std::runtime_error("database " + db +
                             " can only be read by this process; the server needs to write it (check its "
                             "owner, mode and directory)");
}

void log_migration(const std::string& db, const sqlite::SqliteStore& store) {
    if (const int found = store.schema_version_found(); found != 0 && found != sqlite::SqliteStore::schema_version()) {
        // Worth a line: old deletion links may stop working, and an older jambo no longer opens it.
        spdlog::info("database {} migrated from schema version {} to {}", db, found, sqlite::SqliteStore::schema_version());
    }
}

// Every acknowledged write is in the WAL either way; the checkpoint leaves the database file
// complete on its own, which is what a clean stop promises.
void checkpoint_at_stop(const std::string& db, sqlite::SqliteStore& store) {
    try {
        store.checkpoint();
    } catch (const sqlite::CheckpointIncomplete& e) {
        spdlog::warn("{}: another process still has the database open (a backup, a sqlite3 shell); what it "
                     "holds stays in {}-wal until the next start",
                     e.what(), db);
    }
}

int serve(const Config& config) {
    const auto& settings = config.serve;
    raise_open_file_limit();
    if (!settings.core_dumps) forbid_core_dumps();
    NewMailDirectory new_mail_directory(settings);
    auto mail = make_mail_setup(settings);
    // The port is taken before the database is opened, so a busy port leaves no new database
    // behind. The server accepts nothing before run(); by then `api` points at the Api.
    const http::Api* api = nullptr;
    http::Server server(
        settings.server, [&api](http::Request& request) { return api->handle(request); }, &http::Api::may_block,
        [&api](http::Request& request, const http::Responder& respond) { return api->handle_async(request, respond); });
    std::optional<ServingLock> serving;  // declared first: closed after the store's connections
    refuse_migration_in_use(config.db);
    Infrastructure infra(config);
    serving.emplace(config.db);
    refuse_served_elsewhere(config.db, *serving);
    // Before the read-only check: a restore's working copy holds erased customers' data, and
    // its directory may be writable where the database is not.
    remove_interrupted_restore(config.db);
    refuse_read_only(config.db, infra.store);
    log_migration(config.db, infra.store);

    const auto& policy = settings.policy;
    core::CustomerService customers(infra.store, infra.clock, infra.random, infra.hasher, infra.ulids, policy);
    core::ErasureService erasure(infra.store, infra.clock, infra.random, infra.hasher, policy);
    smtp::OutboxRelay relay(infra.store, infra.clock, *mail.transport, relay_options(settings));
    erasure.on_mail_queued([&relay] { relay.notify(); });
    const http::Api routes(http::ApiServices{customers, erasure, infra.store, policy},
                           http::ApiOptions{settings.confirm_on_get});
    api = &routes;

    log_mail_setup(mail, settings);
    warn_about_contradictions(settings);
    new_mail_directory.keep();
    relay.start();
    // From the line that says the server is up, a SIGTERM is a graceful stop (exit 0).
    server.catch_signals();
    spdlog::info("jambo {} listening on {} ({} thread{}); database {}; mail to {}", version,
                 printable_address(settings.server, server.port()), settings.server.threads,
                 settings.server.threads == 1 ? "" : "s", config.db, mail.destination);
    const auto staff = infra.admin().list_staff();
    log_first_steps(config, mail, staff && staff->empty());
    // The server, declared first and so destroyed last, keeps the signals until the process
    // ends: one that comes after run() cannot cut the final checkpoint short.
    server.run();
    relay.stop();  // undelivered mail stays in the outbox, committed, for the next start
    checkpoint_at_stop(config.db, infra.store);
    spdlog::info("stopped cleanly");
    return 0;
}

std::string format_time(core::TimePoint time) {
    auto seconds = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(time));
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

// `jambo migrate` has done its work by the time the store is open; it says which.
int report_migration(const std::string& db, const sqlite::SqliteStore& store, std::ostream& err) {
    const int found = store.schema_version_found();
    const int now = sqlite::SqliteStore::schema_version();
    err << "jambo: " << db;
    if (found == now) {
        err << " is at schema version " << now << " (nothing to migrate)\n";
    } else if (found == 0) {
        err << " created at schema version " << now << '\n';
    } else {
        err << " migrated from schema version " << found << " to " << now << '\n';
    }
    return 0;
}

int list_staff(Infrastructure& infra, std::ostream& out, std::ostream& err) {
    // A store that cannot be read is an error, not an empty list.
    const auto accounts = infra.admin().list_staff();
    if (!accounts) return refuse(err, accounts.error());
    for (const auto& staff : *accounts) {
        out << staff.id.to_string() << '\t' << staff.email << '\t' << staff.name << '\t' << format_time(staff.created_at)
            << '\n';
    }
    return 0;
}

// A new token is the only line on stdout, so that `TOKEN=$(jambo ...)` takes exactly it.
int print_token(const core::Result<std::string>& token, std::ostream& out, std::ostream& err) {
    if (!token) return refuse(err, token.error());
    out << *token << '\n';
    return 0;
}

// Prints how many went: none is not an error (they were revoked already), but worth seeing.
int revoke_tokens_of(Infrastructure& infra, const Command& command, std::ostream& out, std::ostream& err) {
    const bool staff = !command.email.empty();
    auto revoked = staff ? infra.admin().revoke_staff_tokens(command.email)
                         : infra.admin().revoke_customer_tokens(command.customer);
    if (!revoked) return refuse(err, revoked.error());
    out << "revoked " << *revoked << (*revoked == 1 ? " token" : " tokens") << " of "
        << (staff ? "staff account " + command.email : "customer " + command.customer)
        << (*revoked == 0 ? " (none was in use)" : "") << "\n";
    return 0;
}

int revoke_token(Infrastructure& infra, std::string token, std::ostream& err) {
    // On the command line a token shows in the process list and the shell's history.
    if (token == "-") {
        std::getline(std::cin, token);
        while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())) != 0) token.pop_back();
        if (token.empty()) {
            err << "jambo: no token on standard input (give it as one line: echo \"$TOKEN\" | jambo token revoke -)\n";
            return 1;
        }
    }
    auto revoked = infra.admin().revoke_token(token);
    if (!revoked) return refuse(err, revoked.error());
    return 0;
}

// Every command but serve and restore, on the opened store.
int run_on_store(Infrastructure& infra, const Config& config, const Command& command, bool backup_of_nothing,
                 std::ostream& out, std::ostream& err) {
    switch (command.kind) {
        case CommandKind::serve:
        case CommandKind::restore: break;
        case CommandKind::migrate: return report_migration(config.db, infra.store, err);
        case CommandKind::staff_add: return print_token(infra.admin().add_staff(command.email, command.name), out, err);
        case CommandKind::staff_list: return list_staff(infra, out, err);
        case CommandKind::token_issue: {
            auto admin = infra.admin();
            return print_token(command.customer.empty() ? admin.issue_staff_token(command.email)
                                                        : admin.issue_customer_token(command.customer),
                               out, err);
        }
        case CommandKind::token_revoke:
            if (command.token.empty()) return revoke_tokens_of(infra, command, out, err);
            return revoke_token(infra, command.token, err);
        case CommandKind::backup:
            infra.store.backup_to(command.file);
            // Every command creates a missing database; a nightly backup of a mistyped path
            // would otherwise succeed, silently empty, every night.
            if (backup_of_nothing) err << "jambo: warning: " << config.db << " did not exist; it was created, and the backup is empty\n";
            return 0;
    }
    return 0;
}

}  // namespace

int run_command(const Invocation& invocation, std::ostream& out, std::ostream& err) {
    const auto& config = invocation.config;
    const auto& command = invocation.command;
    if (command.kind == CommandKind::serve) return serve(config);
    if (command.kind == CommandKind::restore) return restore(config, command.file, err);

    // Looked at before Infrastructure creates a missing database (see the backup below).
    std::error_code ignored;
    const bool was_missing = !std::filesystem::exists(config.db, ignored);
    const bool backup_of_nothing = command.kind == CommandKind::backup && was_missing;
    // A mistyped or swapped --db with the database named as the destination: the copy of a
    // new, empty database would replace it.
    if (backup_of_nothing && sqlite::SqliteStore::is_jambo_file(command.file)) {
        err << "jambo: " << config.db << " does not exist, and " << command.file << " is a jambo database that its "
            << "empty backup would replace; check --db (nothing was created or changed)\n";
        return 1;
    }
    refuse_migration_in_use(config.db);
    Infrastructure infra(config);
    // The contract has every command create a missing database; for an account or a token,
    // a mistyped --db is the likelier reason, and the token printed would fail on the server.
    const bool about_accounts = command.kind != CommandKind::migrate && command.kind != CommandKind::backup;
    if (!was_missing || !about_accounts) return run_on_store(infra, config, command, backup_of_nothing, out, err);

    // On its own line before what the command prints when it succeeds; at the end of its one
    // error line when it fails (the contract's one-line error), where it is most likely the
    // reason: "No customer with that ulid". So the command's output waits for its outcome.
    const std::string created = config.db + " did not exist; it was created";
    const std::string hint = "check --db if a server uses another file";
    std::ostringstream printed;
    std::ostringstream said;
    int status = 1;
    try {
        status = run_on_store(infra, config, command, false, printed, said);
    } catch (const std::exception& e) {
        out << printed.str();
        err << said.str();
        throw std::runtime_error(std::string(e.what()) + " (" + created + ": " + hint + ")");
    }
    std::string text = said.str();
    if (status != 0 && text.ends_with('\n') && std::ranges::count(text, '\n') == 1) {
        text.pop_back();
        err << text << " (" << created << ": " << hint << ")\n";
    } else {
        err << "jambo: warning: " << created << " (" << hint << ")\n" << std::flush;
        err << text;
    }
    out << printed.str();
    return status;
}

}  // namespace jambo::app
