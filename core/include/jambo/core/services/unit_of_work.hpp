#pragma once
/// Runs a use case's body in one transaction: commit on success, roll back on any error.

#include <jambo/core/error.hpp>
#include <jambo/core/ports/store.hpp>

#include <optional>
#include <type_traits>

namespace jambo::core {

/// `work(Transaction&)` returns a Result<T>. The transaction commits only if it holds a value;
/// StoreUnavailable becomes Error::unavailable, other exceptions propagate (a 500 at the edge).
/// Writes go through Store::run_write: `work` may run on the store's writer thread.
template <typename Work>
auto in_transaction(Store& store, TransactionMode mode, Work&& work)
    -> std::invoke_result_t<Work&, Transaction&> {
    try {
        if (mode == TransactionMode::write) {
            // Through run_write, so a store can commit many callers' writes together.
            std::optional<std::invoke_result_t<Work&, Transaction&>> result;
            store.run_write([&](Transaction& tx) {
                result.emplace(work(tx));
                return result->has_value();
            });
            return std::move(*result);
        }
        auto tx = store.begin(mode);
        auto result = work(*tx);
        if (result) {
            tx->commit();
        }
        return result;
    } catch (const StoreUnavailable& e) {
        return std::unexpected(Error::unavailable(e.what()));
    }
}

}  // namespace jambo::core
