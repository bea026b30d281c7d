#pragma once
// Watches who writes and who syncs the main database file, through a VFS that wraps the
// default one and is itself the default while the watch lives. Open the store after creating
// the watch and close it before the watch goes.
//
// What it records: whenever the thread named `syncer` syncs the database file, how many of
// the file's writes since its last sync came from other threads. A sync flushes every write
// to the file, whoever made it, so that count is the other threads' work that `syncer` waited
// for.

#include <sqlite3.h>

#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

namespace jambo::testing {

class DatabaseSyncWatch {
public:
    explicit DatabaseSyncWatch(std::string syncer) : syncer_(std::move(syncer)) {
        real_ = sqlite3_vfs_find(nullptr);
        vfs_ = *real_;  // every method but xOpen goes straight to the real VFS
        vfs_.zName = "jambo-database-sync-watch";
        vfs_.szOsFile = static_cast<int>(sizeof(File)) + real_->szOsFile;
        vfs_.pAppData = this;
        vfs_.xOpen = &open;
        sqlite3_vfs_register(&vfs_, 1);
    }
    DatabaseSyncWatch(const DatabaseSyncWatch&) = delete;
    DatabaseSyncWatch& operator=(const DatabaseSyncWatch&) = delete;
    ~DatabaseSyncWatch() { sqlite3_vfs_unregister(&vfs_); }

    struct Figures {
        int syncs_by_syncer = 0;
        int writes_by_others = 0;
        int largest_wait = 0;  // the most writes by other threads one sync by `syncer` flushed
    };
    [[nodiscard]] Figures figures() const {
        std::scoped_lock lock(mutex_);
        return figures_;
    }

private:
    struct File {
        sqlite3_file base;
        sqlite3_file* real;
        DatabaseSyncWatch* watch;  // null: not the main database file
    };

    static sqlite3_file* real(sqlite3_file* file) { return reinterpret_cast<File*>(file)->real; }
    static DatabaseSyncWatch* watch(sqlite3_file* file) { return reinterpret_cast<File*>(file)->watch; }

    bool by_syncer() const {
        std::array<char, 16> name{};
        pthread_getname_np(pthread_self(), name.data(), name.size());
        return syncer_ == name.data();
    }

    void wrote() {
        const bool mine = by_syncer();
        std::scoped_lock lock(mutex_);
        if (!mine) {
            ++unsynced_by_others_;
            ++figures_.writes_by_others;
        }
    }

    void synced() {
        const bool mine = by_syncer();
        std::scoped_lock lock(mutex_);
        if (mine) {
            ++figures_.syncs_by_syncer;
            figures_.largest_wait = std::max(figures_.largest_wait, unsynced_by_others_);
        }
        unsynced_by_others_ = 0;
    }

    static int open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
        auto* self = static_cast<DatabaseSyncWatch*>(vfs->pAppData);
        auto* wrapped = reinterpret_cast<File*>(file);
        wrapped->real = reinterpret_cast<sqlite3_file*>(wrapped + 1);
        wrapped->watch = (flags & SQLITE_OPEN_MAIN_DB) != 0 ? self : nullptr;
        const int result = self->real_->xOpen(self->real_, name, wrapped->real, flags, out_flags);
        wrapped->base.pMethods = wrapped->real->pMethods != nullptr ? &methods : nullptr;
        return result;
    }

    static constexpr sqlite3_io_methods methods = {
        3,
        [](sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); },
        [](sqlite3_file* f, void* data, int n, sqlite3_int64 at) { return real(f)->pMethods->xRead(real(f), data, n, at); },
        [](sqlite3_file* f, const void* data, int n, sqlite3_int64 at) {
            if (watch(f) != nullptr) watch(f)->wrote();
            return real(f)->pMethods->xWrite(real(f), data, n, at);
        },
        [](sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); },
        [](sqlite3_file* f, int flags) {
            // Counted before the flush: a write that lands during it was not waited for.
            if (watch(f) != nullptr) watch(f)->synced();
            return real(f)->pMethods->xSync(real(f), flags);
        },
        [](sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); },
        [](sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); },
        [](sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); },
        [](sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); },
        [](sqlite3_file* f, int op, void* arg) {
            // FILE_POINTER must name the wrapper, so that a sync through it is seen.
            if (op == SQLITE_FCNTL_FILE_POINTER) {
                *static_cast<sqlite3_file**>(arg) = f;
                return SQLITE_OK;
            }
            return real(f)->pMethods->xFileControl(real(f), op, arg);
        },
        [](sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); },
        [](sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); },
        [](sqlite3_file* f, int region, int size, int extend, void volatile** out) {
            return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
        },
        [](sqlite3_file* f, int offset, int n, int flags) { return real(f)->pMethods->xShmLock(real(f), offset, n, flags); },
        [](sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); },
        [](sqlite3_file* f, int remove) { return real(f)->pMethods->xShmUnmap(real(f), remove); },
        [](sqlite3_file* f, sqlite3_int64 at, int n, void** out) { return real(f)->pMethods->xFetch(real(f), at, n, out); },
        [](sqlite3_file* f, sqlite3_int64 at, void* page) { return real(f)->pMethods->xUnfetch(real(f), at, page); },
    };

    std::string syncer_;
    sqlite3_vfs* real_ = nullptr;
    sqlite3_vfs vfs_{};
    mutable std::mutex mutex_;
    int unsynced_by_others_ = 0;
    Figures figures_;
};

}  // namespace jambo::testing
