#include "writer.hpp"

#include "customer_repository.hpp"
#include "errors.hpp"
#include "transaction.hpp"

#include <pthread.h>

#include <stdexcept>
#include <string>

namespace jambo::sqlite::detail {

namespace {

constexpr std::string_view begin_sql = "BEGIN IMMEDIATE";
constexpr std::string_view commit_sql = "COMMIT";
constexpr std::string_view rollback_sql = "ROLLBACK";

// The writer's pages are the ones every insert touches (index leaves, the counter row); a
// larger cache than a reader's keeps them out of the file between batches.
constexpr const char* writer_cache_sql = "PRAGMA cache_size = -8192";

}  // namespace

Writer::Writer(std::shared_ptr<ConnectionPool> pool, std::shared_ptr<Checkpointer> checkpointer)
    : pool_(std::move(pool)), checkpointer_(std::move(checkpointer)) {
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "jambo-writer");  // for top -H, perf and gdb
        loop();
    });
}

Writer::~Writer() {
    {
        std::scoped_lock lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Writer::run(const std::function<bool(core::Transaction&)>& work) {
    // Its own mutex rather than the queue's: woken callers would otherwise all queue up on
    // the one mutex the writer holds while it finishes the rest of the batch.
    struct Waiter {
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        std::exception_ptr error;
    } waiter;
    submit(work, [&waiter](std::exception_ptr error) {
        // Notified under the waiter's lock: its caller cannot see `done`, return and destroy
        // the waiter before the notification is over.
        std::scoped_lock lock(waiter.mutex);
        waiter.error = std::move(error);
        waiter.done = true;
        waiter.finished.notify_one();
    });
    std::unique_lock lock(waiter.mutex);
    waiter.finished.wait(lock, [&] { return waiter.done; });
    if (waiter.error) std::rethrow_exception(waiter.error);
}

void Writer::submit(std::function<bool(core::Transaction&)> work, std::function<void(std::exception_ptr)> done) {
    // The writer would wait for itself, or run the work outside the transaction it is in.
    if (std::this_thread::get_id() == thread_.get_id()) {
        throw std::logic_error("a write started inside another write's work");
    }
    std::scoped_lock lock(mutex_);
    // A 503 for the request that met the shutdown, not a 500: nothing is wrong with it.
    if (stopping_) throw core::StoreUnavailable("database " + pool_->path() + ": the store is closing");
    queue_.push_back(Item{std::move(work), std::move(done), nullptr});
    if (queue_.size() == 1) wake_.notify_one();
}

void Writer::loop() {
    std::vector<Item> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;
        batch.swap(queue_);
        lock.unlock();
        if (connection_) checkpointer_->before_write(*connection_);
        run_batch(batch);
        for (Item& item : batch) {
            try {
                item.done(std::move(item.error));
            } catch (...) {  // documented not to throw; one that does must not stop the writer
            }
        }
        batch.clear();
        lock.lock();
    }
    lock.unlock();
    connection_.reset();
}

void Writer::run_batch(std::vector<Item>& batch) {
    const auto fail_all = [&](std::size_t from, std::exception_ptr error) {
        for (std::size_t i = from; i < batch.size(); ++i) batch[i].error = error;
    };
    try {
        if (!connection_) {
            connection_ = translating(pool_->path(), [&] { return pool_->open(); });
            connection_->execute(writer_cache_sql);
        }
    } catch (...) {
        return fail_all(0, std::current_exception());
    }

    // Items whose changes wait in the open transaction for its commit.
    std::vector<Item*> pending;
    pending.reserve(batch.size());
    const auto fail_pending = [&](std::exception_ptr error) {
        for (Item* item : pending) item->error = error;
        pending.clear();
    };
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!connection_->in_transaction()) {
            if (!pending.empty()) {
                // An item's failure (disk full, I/O error) made SQLite roll back the whole
                // transaction, taking the kept items before it along.
                fail_pending(std::make_exception_ptr(core::StoreUnavailable(
                    "database " + pool_->path() +
                    ": SQLite rolled back a group commit after another write in it failed")));
            }
            try {
                translating(pool_->path(), [&] { Query(*connection_, begin_sql).run(); });
            } catch (...) {
                return fail_all(i, std::current_exception());
            }
            connection_->uncounted().clear();  // left by a transaction SQLite rolled back
        }
        Item& item = batch[i];
        bool kept = false;
        try {
            SqliteTransaction tx(*connection_, SqliteTransaction::SavepointTag{});
            if (item.work(tx)) {
                tx.release();
                kept = true;
            }
        } catch (...) {
            item.error = std::current_exception();
        }
        if (kept) pending.push_back(&item);
    }

    if (!connection_->in_transaction()) {
        if (!pending.empty()) {
            fail_pending(std::make_exception_ptr(core::StoreUnavailable(
                "database " + pool_->path() + ": SQLite rolled back a group commit after a write in it failed")));
        }
        return;
    }
    try {
        translating(pool_->path(), [&] {
            count_inserted(*connection_);
            Query(*connection_, commit_sql).run();
        });
    } catch (...) {
        connection_->uncounted().clear();
        fail_pending(std::current_exception());
        try {
            if (connection_->in_transaction()) Query(*connection_, rollback_sql).run();
        } catch (...) {
            // A connection stuck in a transaction would hold the write lock forever; closing
            // it rolls back.
            connection_.reset();
        }
    }
}

}  // namespace jambo::sqlite::detail
