#pragma once
/// Runs a use case's body in one transaction: commit on success, roll back on any error.

#include <jambo/core/error.hpp>
#include <jambo/core/ports/store.hpp>

#include <atomic>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

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
            if (!result) throw std::logic_error("Store::run_write returned without running the work");
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

/// How a use case that may finish on another thread ends: get() returns its Result, or
/// throws what the synchronous use case would have thrown.
template <typename T>
class Outcome {
public:
    explicit Outcome(Result<T> result) : value_(std::move(result)) {}
    explicit Outcome(std::exception_ptr failure) : value_(std::move(failure)) {}

    [[nodiscard]] Result<T> get() && {
        if (auto* failure = std::get_if<std::exception_ptr>(&value_)) std::rethrow_exception(*failure);
        return std::move(std::get<Result<T>>(value_));
    }

private:
    std::variant<Result<T>, std::exception_ptr> value_;
};

/// Receives an Outcome exactly once, on whichever thread the use case ended: the caller's
/// (before the call returns) for a refusal before any write, for a failure before the write
/// was queued and with a store that does not queue writes; the store's writer thread after a
/// queued write. It should hand the outcome on, not work on it there, and must not take a
/// lock the caller holds around the call.
template <typename T>
using Completion = std::function<void(Outcome<T>)>;

/// The outcome of a use case that threw `failure`: StoreUnavailable is Error::unavailable, as
/// in_transaction makes it; anything else is rethrown by Outcome::get().
template <typename T>
Outcome<T> failed_outcome(std::exception_ptr failure) {
    try {
        std::rethrow_exception(failure);
    } catch (const StoreUnavailable& e) {
        return Outcome<T>(Result<T>(std::unexpected(Error::unavailable(e.what()))));
    } catch (...) {
        return Outcome<T>(std::current_exception());
    }
}

/// in_transaction(store, write, work) through Store::submit_write: returns once the work is
/// queued, and `then` receives the same result (or exception) in_transaction would have. A
/// store that cannot take the work (closing) is such an exception: `then` hears of it too,
/// so the caller has one place to learn how its request ended.
template <typename Work, typename T = typename std::invoke_result_t<Work&, Transaction&>::value_type>
void submit_transaction(Store& store, Work work, Completion<T> then) {
    // Shared between the work (run by the store) and `done` (called after the commit).
    // `answered` makes `then` run once even with a store that breaks its word (calls `done`
    // and then throws, or throws after queueing): the first to claim it answers.
    struct State {
        State(Work w, Completion<T> t) : work(std::move(w)), then(std::move(t)) {}
        Work work;
        Completion<T> then;
        std::optional<Result<T>> result;
        std::atomic<bool> answered{false};
    };
    std::shared_ptr<State> state;
    try {
        state = std::make_shared<State>(std::move(work), std::move(then));
        store.submit_write(
            [state](Transaction& tx) {
                state->result.emplace(state->work(tx));
                return state->result->has_value();
            },
            [state](std::exception_ptr failure) {
                if (state->answered.exchange(true)) return;
                state->then(failure ? failed_outcome<T>(failure) : Outcome<T>(std::move(*state->result)));
            });
    } catch (...) {
        if (!state) return then(failed_outcome<T>(std::current_exception()));  // no memory for it
        if (state->answered.exchange(true)) throw;  // from `then` itself (a store that runs the work right here)
        state->then(failed_outcome<T>(std::current_exception()));
    }
}

/// The caller's-thread half of an asynchronous use case: `prepare()` returns a
/// std::variant<Result<T>, Data> that either ends it (a refusal) or holds what the write
/// needs, and `make_work(Data&&)` turns that into the write to queue (a lambda holding it,
/// stored as it is: no type erasure on the way to the store). What `prepare` throws goes to
/// `then` as well, so `then` is called exactly once on every path and the call itself does not
/// throw.
template <typename T, typename Prepare, typename MakeWork>
void submit_prepared(Store& store, Prepare&& prepare, MakeWork&& make_work, Completion<T> then) {
    std::optional<std::invoke_result_t<Prepare&>> prepared;
    try {
        prepared.emplace(prepare());
    } catch (...) {
        return then(failed_outcome<T>(std::current_exception()));
    }
    if (auto* refused = std::get_if<Result<T>>(&*prepared)) return then(Outcome<T>(std::move(*refused)));
    submit_transaction(store, make_work(std::move(std::get<1>(*prepared))), std::move(then));
}

/// Calls `start(completion)` and waits for the completion: the synchronous form of a use
/// case written with a Completion.
template <typename T, typename Start>
Result<T> wait_for(Start&& start) {
    std::promise<Outcome<T>> promise;
    auto future = promise.get_future();
    start(Completion<T>([&promise](Outcome<T> outcome) { promise.set_value(std::move(outcome)); }));
    return future.get().get();
}

}  // namespace jambo::core
