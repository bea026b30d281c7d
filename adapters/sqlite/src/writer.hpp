#pragma once
// Group commit: one thread runs every run_write of the store. Work queued while a batch
// commits forms the next batch, run in one BEGIN IMMEDIATE transaction with a savepoint per
// item, so N callers share one commit (its WAL append, its fsync at synchronous=FULL, the
// write lock) instead of queueing on the lock one by one.

#include "checkpointer.hpp"
#include "connection_pool.hpp"

#include <jambo/core/ports/store.hpp>

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace jambo::sqlite::detail {

class Writer {
public:
    Writer(std::shared_ptr<ConnectionPool> pool, std::shared_ptr<Checkpointer> checkpointer);
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    /// Finishes what is queued, then stops the thread.
    ~Writer();

    /// Queues `work` and waits until its batch committed (or failed). Rethrows what `work`
    /// threw, or the failure that kept its changes from being committed.
    void run(const std::function<bool(core::Transaction&)>& work);

    /// Queues `work` and returns; `done` runs on the writer thread once the batch committed
    /// (nullptr) or failed (what run() would rethrow).
    void submit(std::function<bool(core::Transaction&)> work, std::function<void(std::exception_ptr)> done);

private:
    struct Item {
        std::function<bool(core::Transaction&)> work;
        std::function<void(std::exception_ptr)> done;
        std::exception_ptr error;
    };

    void loop();
    void run_batch(std::vector<Item>& batch);
    // run_batch's steps: each that fails gives its error to the items it concerns and says so.
    bool open_connection(std::vector<Item>& batch);
    bool begin(std::vector<Item>& batch, std::size_t from, std::vector<Item*>& pending);
    bool run_item(Item& item);  ///< whether its changes are kept
    void commit(std::vector<Item*>& pending);
    [[nodiscard]] std::exception_ptr rolled_back() const;
    static void fail(std::vector<Item*>& items, const std::exception_ptr& error);

    std::shared_ptr<ConnectionPool> pool_;
    std::shared_ptr<Checkpointer> checkpointer_;
    std::unique_ptr<Connection> connection_;  // only the writer thread touches it

    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Item> queue_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts after everything above exists
};

}  // namespace jambo::sqlite::detail
