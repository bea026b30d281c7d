// The Store contract suite, run against the in-memory store and the SQLite store.

#include "temp_dir.hpp"

#include <jambo/memory/memory_store.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <memory>
#include <optional>

struct MemoryStore {
    std::unique_ptr<jambo::core::Store> make() { return std::make_unique<jambo::memory::MemoryStore>(); }
};

struct SqliteStore {
    std::optional<jambo::testing::TempDir> dir;

    std::unique_ptr<jambo::core::Store> make() {
        dir.emplace();
        return std::make_unique<jambo::sqlite::SqliteStore>(
            jambo::sqlite::SqliteOptions{.path = dir->file("contract.db")});
    }
};

#define JAMBO_CONTRACT_STORES MemoryStore, SqliteStore
#include <jambo/testing/store_contract.hpp>
