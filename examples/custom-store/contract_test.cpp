// The whole test program for the toy store: Jambo's Store contract suite, run against it.
// Every case is the same one the SQLite and in-memory stores pass.
#define CATCH_CONFIG_MAIN  // Catch2 v2 supplies main() in this one translation unit
#include "undo_log_store.hpp"

#include <memory>

// The suite asks a factory for a fresh, empty store for each test case; the factory's name
// ends each test's name ("... - UndoLogStore").
struct UndoLogStore {
    std::unique_ptr<jambo::core::Store> make() { return std::make_unique<toy::UndoLogStore>(); }
};

#define JAMBO_CONTRACT_STORES UndoLogStore
#include <jambo/testing/store_contract.hpp>
