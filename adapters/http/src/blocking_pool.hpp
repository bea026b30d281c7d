#pragma once
// Threads for the handlers that may block (a write waiting for its group commit), so that
// one slow commit never stalls the reads multiplexed on the same I/O thread. No Asio here.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace jambo::http {

// Threads start on demand up to the limit; each blocked thread is one request that can join
// the writer's next batch, so the limit is sized like the connection count, not the cores.
class BlockingPool {
public:
    using Job = std::move_only_function<void()>;

    BlockingPool(std::size_t max_threads, int nice_increment);
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;
    ~BlockingPool() { stop(); }

    /// False, and `job` dropped, if no thread can ever run it: none could be started (the
    /// process or user hit its thread limit) and none runs yet. With threads running, a job
    /// that gets no new thread waits for one of them.
    [[nodiscard]] bool post(Job job);

    /// Runs every job already posted, then joins the threads.
    void stop();

private:
    void lower_priority() const noexcept;
    void run();

    const std::size_t max_threads_;
    const int nice_increment_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Job> jobs_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
    bool warned_of_limit_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace jambo::http
