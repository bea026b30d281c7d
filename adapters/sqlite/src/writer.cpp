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
    if (!open_connection(batch)) return;
    // Items whose changes wait in the open transaction for its commit.
    std::vector<Item*> pending;
    pending.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!connection_->in_transaction() && !begin(batch, i, pending)) return;
        if (run_item(batch[i])) pending.push_back(&batch[i]);
    }
    if (connection_->in_transaction()) return commit(pending);
    if (!pending.empty()) fail(pending, rolled_back());
}

bool Writer::open_connection(std::vector<Item>& batch) {
    if (connection_) return true;
    try {
        connection_ = translating(pool_->path(), [&] { return pool_->open(); });
        connection_->execute(writer_cache_sql);
        return true;
    } catch (...) {
        for (Item& item : batch) item.error = std::current_exception();
        return false;
    }
}

bool Writer::begin(std::vector<Item>& batch, std::size_t from, std::vector<Item*>& pending) {
    // An item's failure (disk full, I/O error) made SQLite roll back the whole transaction,
    // taking the kept items before it along.
    if (!pending.empty()) fail(pending, rolled_back());
    try {
        translating(pool_->path(), [&] { Query(*connection_, begin_sql).run(); });
    } catch (...) {
        for (std::size_t i = from; i < batch.size(); ++i) batch[i].error = std::current_exception();
        return false;
    }
    connection_->uncounted().clear();  // left by a transaction SQLite rolled back
    return true;
}

bool Writer::run_item(Item& item) {
    try {
        SqliteTransaction tx(*connection_, SqliteTransaction::SavepointTag{});
        if (!item.work(tx)) return false;
        tx.release();
        return true;
    } catch (...) {
        item.error = std::current_exception();
        return false;
    }
}

void Writer::commit(std::vector<Item*>& pending) {
    try {
        translating(pool_->path(), [&] {
            count_inserted(*connection_);
            Query(*connection_, commit_sql).run();
        });
    } catch (...) {
        connection_->uncounted().clear();
        fail(pending, std::current_exception());
        try {
            if (connection_->in_transaction()) Query(*connection_, rollback_sql).run();
        } catch (...) {
            // A connection stuck in a transaction would hold the write lock forever; closing
            // it rolls back.
            connection_.reset();
        }
    }
}

std::exception_ptr Writer::rolled_back() const {
    return std::make_exception_ptr(core::StoreUnavailable(
        "database " + pool_->path() + ": SQLite rolled back a group commit after a write in it failed"));
}

void Writer::fail(std::vector<Item*>& items, const std::exception_ptr& error) {
    for (Item* item : items) item->error = error;
    items.clear();
}

}  // namespace jambo::sqlite::detail
