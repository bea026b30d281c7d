// An outside program using only the installed package: register two customers, list them.
#include <jambo/core/services/customer_service.hpp>
#include <jambo/memory/memory_store.hpp>
#include <jambo/sodium/sodium.hpp>

#include <iostream>
#include <variant>

using namespace jambo;

core::CustomerDraft draft(std::string first, std::string email, std::string phone) {
    return {.first_name = core::RawField::text(std::move(first)), .last_name = core::RawField::text("Lovelace"),
            .middle_name = std::nullopt, .nationality = core::RawField::text("LS"),
            .dob = core::RawField::text("1915-12-10"), .email = core::RawField::text(std::move(email)),
            .phone_number = core::RawField::text(std::move(phone))};
}

int main() {
    memory::MemoryStore store;
    core::SystemClock clock;
    sodium::SodiumRandom random;
    sodium::Blake2bHasher hasher;
    core::UlidGenerator ulids(clock, random);
    core::Policy policy;
    core::CustomerService customers(store, clock, random, hasher, ulids, policy);

    auto ada = customers.register_customer(draft("Ada", "ada@example.org", "0700000001"));
    auto bob = customers.register_customer(draft("Bob", "bob@example.org", "0700000002"));
    if (!ada || !bob) return 1;

    // A customer token lists only its owner; count what staff would see through the store.
    auto tx = store.begin(core::TransactionMode::read);
    const auto listed = tx->customers().page(0, 10);
    std::cout << "registered 2, listed " << listed.size() << ": first " << listed.front().first_name << " "
              << listed.front().last_name << " of " << listed.front().nationality_name()
              << "; optional components: " << OPTIONAL_COMPONENTS << "\n";
}
