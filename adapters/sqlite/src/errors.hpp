#pragma once
// SQLite failures translated into the Store port's error contract.

#include <SQLiteCpp/Exception.h>

#include <string_view>
#include <utility>

namespace jambo::sqlite::detail {

/// True for result codes that mean "the store cannot serve this now" (disk full, read-only,
/// I/O error, cannot open, locked past the busy timeout) rather than a bug or corruption.
[[nodiscard]] bool is_unavailable(int result_code);

/// Rethrows `error` as core::StoreUnavailable when is_unavailable, else as std::runtime_error,
/// each with a message naming the database and what went wrong.
[[noreturn]] void rethrow_translated(const SQLite::Exception& error, std::string_view path);

/// Runs `work`, translating SQLite's exceptions; every other exception passes unchanged.
template <typename Work>
decltype(auto) translating(std::string_view path, Work&& work) {
    try {
        return std::forward<Work>(work)();
    } catch (const SQLite::Exception& error) {
        rethrow_translated(error, path);
    }
}

}  // namespace jambo::sqlite::detail
