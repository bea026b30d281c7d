#include "connection_pool.hpp"

#include <algorithm>
#include <utility>

namespace jambo::sqlite::detail {

namespace {

std::atomic<std::uint64_t> next_pool_id{1};

// This thread's slots, by pool id: a lease finds its thread's connections without touching
// anything another thread touches. On thread exit each slot is closed, so a server that
// starts and stops threads does not accumulate connections.
struct SlotsOfThisThread {
    std::vector<std::pair<std::uint64_t, std::shared_ptr<ThreadSlot>>> slots;

    SlotsOfThisThread() = default;
    SlotsOfThisThread(const SlotsOfThisThread&) = delete;
    SlotsOfThisThread& operator=(const SlotsOfThisThread&) = delete;

    ~SlotsOfThisThread() {
        for (auto& entry : slots) (void)entry.second->close();
    }

    // Slots of closed pools go as new ones come: a thread that opens store after store (a
    // test program) keeps only the live ones.
    void add(std::uint64_t pool, std::shared_ptr<ThreadSlot> slot) {
        std::erase_if(slots, [](const auto& entry) { return entry.second->closed.load(std::memory_order_relaxed); });
        slots.emplace_back(pool, std::move(slot));
    }
};

thread_local SlotsOfThisThread slots_of_this_thread;

}  // namespace

std::vector<std::unique_ptr<Connection>> ThreadSlot::close() {
    std::scoped_lock lock(mutex);
    closed.store(true, std::memory_order_relaxed);
    return std::exchange(idle, {});
}

ConnectionLease::ConnectionLease(std::shared_ptr<ThreadSlot> slot, std::unique_ptr<Connection> connection)
    : slot_(std::move(slot)), connection_(std::move(connection)) {}

ConnectionLease::~ConnectionLease() {
    // A connection whose rollback failed is still inside a transaction; closing it rolls
    // back, reusing it would not.
    if (!slot_ || !connection_ || connection_->in_transaction()) return;
    std::scoped_lock lock(slot_->mutex);
    if (slot_->closed.load(std::memory_order_relaxed)) return;  // closes with the lease
    try {
        slot_->idle.push_back(std::move(connection_));
    } catch (...) {  // out of memory: closing the connection is a correct fallback
    }
}

ConnectionPool::ConnectionPool(SqliteOptions options, std::function<void(Connection&)> on_open)
    : options_(std::move(options)), on_open_(std::move(on_open)), id_(next_pool_id.fetch_add(1)) {}

ConnectionLease ConnectionPool::acquire() {
    auto slot = slot_of_this_thread();
    std::unique_ptr<Connection> connection;
    {
        std::scoped_lock lock(slot->mutex);
        if (!slot->idle.empty()) {
            connection = std::move(slot->idle.back());
            slot->idle.pop_back();
        }
    }
    // Opening takes milliseconds; done outside the lock.
    if (!connection) connection = open();
    return ConnectionLease(std::move(slot), std::move(connection));
}

std::unique_ptr<Connection> ConnectionPool::open() const {
    auto connection = std::make_unique<Connection>(options_);
    if (on_open_) on_open_(*connection);
    return connection;
}

std::shared_ptr<ThreadSlot> ConnectionPool::slot_of_this_thread() {
    for (const auto& [pool, slot] : slots_of_this_thread.slots) {
        if (pool == id_) return slot;
    }
    return add_slot_for_this_thread();
}

std::shared_ptr<ThreadSlot> ConnectionPool::add_slot_for_this_thread() {
    auto slot = std::make_shared<ThreadSlot>();
    {
        std::scoped_lock lock(mutex_);
        if (closed_) {
            slot->closed.store(true, std::memory_order_relaxed);
        } else {
            std::erase_if(slots_, [](const auto& s) { return s->closed.load(std::memory_order_relaxed); });
            slots_.push_back(slot);
        }
    }
    slots_of_this_thread.add(id_, slot);
    return slot;
}

void ConnectionPool::close() {
    std::vector<std::shared_ptr<ThreadSlot>> closing;
    {
        std::scoped_lock lock(mutex_);
        closed_ = true;
        closing.swap(slots_);
    }
    // Each slot's idle connections close as the vector close() returns goes.
    for (const auto& slot : closing) (void)slot->close();
}

}  // namespace jambo::sqlite::detail
