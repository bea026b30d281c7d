// Jambo embedded in another program: register customers and list them through the core's
// use cases, stored in SQLite, with no HTTP anywhere.
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/admin_service.hpp>
#include <jambo/sodium/sodium.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <iostream>
#include <variant>

using namespace jambo;

int main(int argc, char** argv) {
    sqlite::SqliteStore store({.path = argc > 1 ? argv[1] : "embedded.db"});
    core::SystemClock clock;
    sodium::SodiumRandom random;
    sodium::Blake2bHasher hasher;
    core::UlidGenerator ulids(clock, random);
    core::Policy policy;
    core::CustomerService customers(store, clock, random, hasher, ulids, policy);
    core::AdminService admin(store, clock, random, hasher, ulids);

    core::CustomerDraft ada{.first_name = core::RawField::text("Ada"), .last_name = core::RawField::text("Lovelace"),
                            .middle_name = {}, .nationality = core::RawField::text("GB"),
                            .dob = core::RawField::text("1915-12-10"), .email = core::RawField::text("ada@example.org"),
                            .phone_number = core::RawField::text("+44 20 7946 0958")};
    if (auto registered = customers.register_customer(ada); !registered) {
        for (const auto& [field, problems] : registered.error().fields) std::cerr << field << ": " << problems[0] << "\n";
    }

    // Listing every customer is a staff right, so the program acts as a staff account.
    auto staff = admin.issue_staff_token("embedder@example.org");
    if (!staff) staff = admin.add_staff("embedder@example.org", "Embedder");
    const auto listing = customers.list({.authorization = "Bearer " + staff.value()}, {});
    for (const auto& c : std::get<core::CustomerPage>(listing.value()).customers) {
        std::cout << c.ulid.to_string() << "  " << c.first_name << " " << c.last_name << "  " << c.nationality_name()
                  << "  " << c.email << "\n";
    }
    // The token was for this run only; a staff token left behind is a standing credential.
    if (!admin.revoke_token(staff.value())) std::cerr << "could not revoke this run's staff token\n";
}
