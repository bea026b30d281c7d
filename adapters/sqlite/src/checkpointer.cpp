#include "checkpointer.hpp"

#include <sqlite3.h>

#include <pthread.h>

#include <algorithm>
#include <climits>

namespace jambo::sqlite::detail {

namespace {

constexpr auto quiet_period = std::chrono::seconds(1);
// TRUNCATE waits for readers and holds writers meanwhile; when idle it can afford to give up
// and try again after the next quiet second.
constexpr int truncate_patience_ms = 100;
// RESTART runs between two batches and the next waits for it: give up on a reader that
// holds on to the WAL rather than stall every write; the next batch tries again.
constexpr int restart_patience_ms = 50;
// A reader that keeps the WAL for long (a backup, another process's open read) makes every
// truncation after an erasure fail after that wait: the writer tries again after a pause
// that doubles up to the cap, instead of before every batch.
constexpr auto first_scrub_pause = std::chrono::milliseconds(250);
constexpr auto longest_scrub_pause = std::chrono::seconds(8);

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// A checkpoint that stops short of the WAL's end (every PASSIVE one under constant writes)
// writes pages into the database file but leaves them unsynced: SQLite syncs the file only
// before the WAL starts over, which is then the writer's RESTART, holding every write while
// the kernel flushes all the pages copied since the last restart (7 ms and more here). Synced
// here instead, off the write path, the RESTART has only its own few pages left to flush.
// Best effort: whatever this sync leaves unflushed, the RESTART flushes, as it did before.
void sync_database(sqlite3* db) noexcept {
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK) return;
    if (file != nullptr && file->pMethods != nullptr) file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

int clamp_ms(std::chrono::milliseconds ms) {
    return ms.count() < 0 ? 0 : ms.count() > INT_MAX ? INT_MAX : static_cast<int>(ms.count());
}

}  // namespace

Checkpointer::Checkpointer(const SqliteOptions& options) : options_(options) {}

Checkpointer::~Checkpointer() { stop(); }

void Checkpointer::watch(Connection& connection) {
    sqlite3_wal_hook(connection.database().getHandle(), &Checkpointer::on_wal_commit, this);
    connection.set_erasure_flag(&scrub_);
}

int Checkpointer::on_wal_commit(void* self, sqlite3*, const char*, int pages) {
    static_cast<Checkpointer*>(self)->committed(pages);
    return SQLITE_OK;
}

void Checkpointer::committed(int pages) noexcept {
    wal_pages_.store(pages, std::memory_order_relaxed);
    commits_.fetch_add(1, std::memory_order_relaxed);
    bool wake = false;
    // Counted from the last checkpoint, not from the start of the WAL: under constant writes
    // the WAL stays long, and a checkpoint per commit would sort its whole index every time.
    const int since = pages - checkpointed_.load(std::memory_order_relaxed);
    const int fresh = since < 0 ? pages : since;  // the WAL started over
    if (fresh >= static_cast<int>(options_.checkpoint_pages) && !requested_.exchange(true)) wake = true;
    if (!dirty_.load(std::memory_order_relaxed) && !dirty_.exchange(true)) wake = true;
    if (!wake) return;
    std::scoped_lock lock(mutex_);
    if (stopping_) return;
    if (!started_) {
        try {
            thread_ = std::thread([this] {
                pthread_setname_np(pthread_self(), "jambo-checkpnt");
                loop();
            });
            started_ = true;
        } catch (...) {  // no thread, no background checkpoints: before_write and checkpoint() still work
            return;
        }
    }
    wake_.notify_one();
}

bool Checkpointer::over_bound() const noexcept {
    return wal_pages_.load(std::memory_order_relaxed) >= static_cast<int>(options_.wal_bound_pages);
}

void Checkpointer::before_write(Connection& writer) noexcept {
    const bool scrub = scrub_.load(std::memory_order_relaxed) && steady_ms() >= scrub_retry_at_ms_.load();
    if (!scrub && !over_bound()) return;
    // Normally never waits for a PASSIVE checkpoint to finish (its fsyncs take milliseconds):
    // the next write tries again, and then has only what was committed meanwhile left to copy.
    // At twice the bound it waits, so the bound holds however long checkpoints take.
    const bool must = wal_pages_.load(std::memory_order_relaxed) >= 2 * static_cast<int>(options_.wal_bound_pages);
    std::unique_lock exclusive(checkpoint_mutex_, std::defer_lock);
    if (must) {
        exclusive.lock();
    } else if (!exclusive.try_lock()) {
        return;
    }
    // Taken before the checkpoint: an erasure committed meanwhile asks again.
    if (scrub && scrub_.exchange(false)) {
        if (checkpoint_on(writer, SQLITE_CHECKPOINT_TRUNCATE)) {
            scrub_pause_ms_.store(0);
        } else {  // readers held on
            scrub_.store(true);
            const auto pause = std::clamp<std::int64_t>(2 * scrub_pause_ms_.load(), first_scrub_pause.count(),
                                                        std::chrono::milliseconds(longest_scrub_pause).count());
            scrub_pause_ms_.store(pause);
            scrub_retry_at_ms_.store(steady_ms() + pause);
        }
        return;
    }
    (void)checkpoint_on(writer, SQLITE_CHECKPOINT_RESTART);
}

bool Checkpointer::checkpoint_on(Connection& writer, int mode) noexcept {
    sqlite3* db = writer.database().getHandle();
    sqlite3_busy_timeout(db, restart_patience_ms);
    const bool done = sqlite3_wal_checkpoint_v2(db, nullptr, mode, nullptr, nullptr) == SQLITE_OK;
    if (done) {
        wal_pages_.store(0, std::memory_order_relaxed);
        checkpointed_.store(0, std::memory_order_relaxed);
    }
    sqlite3_busy_timeout(db, clamp_ms(options_.busy_timeout));
    return done;
}

std::unique_lock<std::mutex> Checkpointer::exclusive() { return std::unique_lock(checkpoint_mutex_); }

void Checkpointer::stop() {
    {
        std::scoped_lock lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void Checkpointer::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (requested_.exchange(false)) {
            // Past the bound the writer restarts the WAL before its next batch; a PASSIVE
            // checkpoint now would only make it wait another turn for the checkpoint lock.
            if (over_bound()) continue;
            lock.unlock();
            // Commits during the checkpoint count from here, not from its (later) result.
            checkpointed_.store(wal_pages_.load(std::memory_order_relaxed), std::memory_order_relaxed);
            checkpoint(SQLITE_CHECKPOINT_PASSIVE);
            lock.lock();
            continue;
        }
        if (dirty_.load()) {
            const auto seen = commits_.load();
            wake_.wait_for(lock, quiet_period, [&] { return stopping_ || requested_.load(); });
            if (stopping_ || requested_.load() || commits_.load() != seen) continue;
            // Cleared first: a commit during the checkpoint marks the WAL dirty again.
            dirty_.store(false);
            lock.unlock();
            checkpoint(SQLITE_CHECKPOINT_TRUNCATE);
            lock.lock();
            continue;
        }
        wake_.wait(lock, [&] { return stopping_ || requested_.load() || dirty_.load(); });
    }
    lock.unlock();
    connection_.reset();
}

void Checkpointer::checkpoint(int mode) noexcept {
    // One checkpoint at a time in this process: SQLite answers a second one with SQLITE_BUSY
    // at once, which would make before_write miss its turn (and checkpoint() fail).
    std::scoped_lock exclusive(checkpoint_mutex_);
    try {
        if (!connection_) connection_ = std::make_unique<Connection>(options_);
        sqlite3* db = connection_->database().getHandle();
        sqlite3_busy_timeout(db, mode == SQLITE_CHECKPOINT_TRUNCATE ? truncate_patience_ms : 0);
        int wal_frames = 0;
        int copied = 0;
        // Taken before the checkpoint: an erasure committed while it runs asks again.
        const bool scrubbing = mode == SQLITE_CHECKPOINT_TRUNCATE && scrub_.exchange(false);
        const int result = sqlite3_wal_checkpoint_v2(db, nullptr, mode, &wal_frames, &copied);
        if (result == SQLITE_OK) checkpointed_.store(mode == SQLITE_CHECKPOINT_TRUNCATE ? 0 : copied);
        if (result != SQLITE_OK && scrubbing) scrub_.store(true);
        if (result == SQLITE_OK && scrubbing) scrub_pause_ms_.store(0);
        if (result == SQLITE_OK && mode == SQLITE_CHECKPOINT_PASSIVE && copied > 0) sync_database(db);
        if (mode == SQLITE_CHECKPOINT_TRUNCATE && result != SQLITE_OK) dirty_.store(true);
    } catch (...) {  // cannot open or checkpoint now; the next commit asks again
        if (mode == SQLITE_CHECKPOINT_TRUNCATE) dirty_.store(true);
    }
}

}  // namespace jambo::sqlite::detail
