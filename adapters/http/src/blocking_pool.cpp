#include "blocking_pool.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace jambo::http {

BlockingPool::BlockingPool(std::size_t max_threads, int nice_increment)
    : max_threads_(std::max<std::size_t>(1, max_threads)), nice_increment_(nice_increment) {}

bool BlockingPool::post(Job job) {
    std::unique_lock lock(mutex_);
    jobs_.push_back(std::move(job));
    if (idle_ == 0 && threads_.size() < max_threads_) {
        try {
            threads_.emplace_back([this] {
                pthread_setname_np(pthread_self(), "jambo-blocking");
                lower_priority();
                run();
            });
            return true;
        } catch (const std::system_error& e) {
            if (threads_.empty()) {
                jobs_.pop_back();
                spdlog::error("cannot start a thread for a write request: {}", e.what());
                return false;
            }
            if (!warned_of_limit_) {  // once: under load it would say so for every request
                warned_of_limit_ = true;
                spdlog::warn("cannot start another thread for write requests ({} running; the rest wait): {}",
                             threads_.size(), e.what());
            }
        }
    }
    lock.unlock();
    ready_.notify_one();
    return true;
}

void BlockingPool::stop() {
    std::vector<std::thread> threads;
    {
        std::scoped_lock lock(mutex_);
        stopping_ = true;
        threads.swap(threads_);
    }
    ready_.notify_all();
    for (auto& thread : threads) thread.join();
}

// See ServerOptions::blocking_nice_increment. Best effort: a failure leaves the thread at the
// process's priority, which is only slower.
void BlockingPool::lower_priority() const noexcept {
    if (nice_increment_ <= 0) return;
    const auto self = static_cast<id_t>(gettid());
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, self);
    if (errno != 0) return;
    (void)setpriority(PRIO_PROCESS, self, std::min(19, current + nice_increment_));
}

void BlockingPool::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ++idle_;
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        job = nullptr;  // what it holds (a connection) is released before waiting again
        lock.lock();
    }
}

}  // namespace jambo::http
