#pragma once
/// A Store decorator whose submit_write only queues, as a store with a writer thread does:
/// the test decides when the queued writes run, so it can see what happens before and after.

#include <jambo/core/ports/store.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace jambo::testing {

class QueuingStore final : public core::Store {
public:
    explicit QueuingStore(core::Store& inner) : inner_(inner) {}

    [[nodiscard]] std::unique_ptr<core::Transaction> begin(core::TransactionMode mode) override {
        return inner_.begin(mode);
    }
    void run_write(const std::function<bool(core::Transaction&)>& work) override { inner_.run_write(work); }
    void submit_write(std::function<bool(core::Transaction&)> work,
                      std::function<void(std::exception_ptr)> done) override {
        queue_.push_back({std::move(work), std::move(done)});
    }
    [[nodiscard]] bool queues_writes() const override { return true; }
    [[nodiscard]] bool healthy() override { return inner_.healthy(); }

    [[nodiscard]] std::size_t queued() const { return queue_.size(); }

    /// Runs every queued write through the inner store's run_write, then calls its `done`.
    void run_queued() {
        auto items = std::exchange(queue_, {});
        for (auto& [work, done] : items) {
            std::exception_ptr failure;
            try {
                inner_.run_write(work);
            } catch (...) {
                failure = std::current_exception();
            }
            done(failure);
        }
    }

private:
    core::Store& inner_;
    std::vector<std::pair<std::function<bool(core::Transaction&)>, std::function<void(std::exception_ptr)>>> queue_;
};

}  // namespace jambo::testing
