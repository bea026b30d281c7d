// Micro-benchmark of the SQLite store through the Store port: insert, point read by ulid,
// token lookup and page reads, at several table sizes. Not a test; see docs/benchmarks.md.
//
//   jambo_store_bench [--customers 100000,1000000] [--dir DIR] [--durability normal|full]

#include <jambo/core/customer.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace core = jambo::core;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t page_size = 50;
constexpr std::uint64_t deep_page = 1000;  // page-number 1,000 at 50 a page: offset 49,950

std::uint64_t mix(std::uint64_t x) {  // splitmix64: cheap, deterministic, well spread
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Ulids in creation order, like a server's: a millisecond timestamp and random bits.
core::Ulid ulid(std::uint64_t n) {
    core::Ulid::Bytes bytes{};
    const std::uint64_t ms = 1'700'000'000'000 + n / 8;
    for (std::size_t i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
    const std::uint64_t low = mix(n);
    bytes[6] = static_cast<std::uint8_t>(n % 8);
    bytes[7] = static_cast<std::uint8_t>(mix(n + 1));
    for (std::size_t i = 0; i < 8; ++i) bytes[8 + i] = static_cast<std::uint8_t>(low >> (8 * i));
    return core::Ulid{bytes};
}

core::TokenHash token_hash(std::uint64_t n) {
    core::TokenHash hash{};
    for (std::size_t lane = 0; lane < 4; ++lane) {
        const auto bits = mix(n * 4 + lane + 0xC0FFEE);
        for (std::size_t i = 0; i < 8; ++i) hash[lane * 8 + i] = static_cast<std::uint8_t>(bits >> (8 * i));
    }
    return hash;
}

core::Customer customer(std::uint64_t n) {
    using namespace std::chrono;
    const auto s = std::to_string(n);
    std::string phone = "2547" + std::string(8 - std::min<std::size_t>(8, s.size()), '0') + s;
    return core::Customer{
        ulid(n),
        "Cynthia" + s,
        "Norris",
        "Alexander",
        "LS",
        year_month_day{year{1950 + static_cast<int>(n % 50)}, month{1 + static_cast<unsigned>(n % 12)},
                       day{1 + static_cast<unsigned>(n % 28)}},
        "customer" + s + "@example.org",
        phone};
}

core::Credential credential(std::uint64_t n) {
    return core::Credential{token_hash(n), core::Principal{core::Role::customer, ulid(n)},
                            core::TimePoint{std::chrono::milliseconds{1'700'000'000'000}}, false};
}

void load(core::Store& store, std::uint64_t customers) {
    constexpr std::uint64_t batch = 10'000;
    for (std::uint64_t first = 0; first < customers; first += batch) {
        auto tx = store.begin(core::TransactionMode::write);
        for (std::uint64_t n = first; n < std::min(customers, first + batch); ++n) {
            if (!tx->customers().insert(customer(n))) throw std::runtime_error("duplicate while loading");
            tx->credentials().insert(credential(n));
        }
        tx->commit();
    }
}

struct Timing {
    double mean_us;
    double p50_us;
    double p99_us;
};

// Mean is wall time per call; p50/p99 come from the per-call samples.
Timing summarize(std::vector<double> samples, double wall_us) {
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) {
        return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
    };
    return {wall_us / static_cast<double>(samples.size()), at(0.5), at(0.99)};
}

// Times `iterations` calls of `operation(i)`, each on its own.
Timing measure(int iterations, const std::function<void(int)>& operation) {
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(iterations));
    const auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) {
        const auto t0 = Clock::now();
        operation(i);
        samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    const double total = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    return summarize(std::move(samples), total);
}

// Times `threads` threads making `per_thread` calls each at once; mean is wall time per call
// over all of them (the inverse of throughput), p50/p99 the latency of one call.
Timing measure_concurrent(int threads, int per_thread, const std::function<void(int)>& operation) {
    std::vector<std::vector<double>> samples(static_cast<std::size_t>(threads));
    std::vector<std::thread> workers;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            auto& mine = samples[static_cast<std::size_t>(t)];
            mine.reserve(static_cast<std::size_t>(per_thread));
            for (int i = 0; i < per_thread; ++i) {
                const auto t0 = Clock::now();
                operation(t * per_thread + i);
                mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
            }
        });
    }
    for (auto& worker : workers) worker.join();
    const double total = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    std::vector<double> all;
    for (const auto& mine : samples) all.insert(all.end(), mine.begin(), mine.end());
    return summarize(std::move(all), total);
}

// Keeps `in_flight` writes queued through submit_write, `total` in all, with no thread waiting
// on any one of them (as the HTTP server queues registrations): mean is wall time per write
// (the inverse of what the writer sustains with nothing else on the machine), p50/p99 the time
// from submission to `done`.
Timing measure_pipelined(core::Store& store, int total, int in_flight,
                         const std::function<bool(core::Transaction&, int)>& work) {
    std::mutex mutex;
    std::condition_variable slot;
    int outstanding = 0;
    std::exception_ptr failure;
    std::vector<double> samples(static_cast<std::size_t>(total));
    const auto start = Clock::now();
    for (int i = 0; i < total; ++i) {
        {
            std::unique_lock lock(mutex);
            slot.wait(lock, [&] { return outstanding < in_flight; });
            ++outstanding;
        }
        const auto submitted = Clock::now();
        store.submit_write([&work, i](core::Transaction& tx) { return work(tx, i); },
                           [&, i, submitted](std::exception_ptr error) {
                               samples[static_cast<std::size_t>(i)] =
                                   std::chrono::duration<double, std::micro>(Clock::now() - submitted).count();
                               std::scoped_lock lock(mutex);
                               if (error && !failure) failure = error;
                               --outstanding;
                               slot.notify_one();
                           });
    }
    {
        std::unique_lock lock(mutex);
        slot.wait(lock, [&] { return outstanding == 0; });
    }
    const double wall = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (failure) std::rethrow_exception(failure);
    return summarize(std::move(samples), wall);
}

using Results = std::map<std::string, Timing>;

Results run(const std::string& path, std::uint64_t customers, jambo::sqlite::Durability durability) {
    std::filesystem::remove(path);
    jambo::sqlite::SqliteStore store({.path = path, .durability = durability});
    const auto loading = Clock::now();
    load(store, customers);
    store.checkpoint();
    std::fprintf(stderr, "loaded %llu customers in %.1f s (%.0f MB)\n",
                 static_cast<unsigned long long>(customers),
                 std::chrono::duration<double>(Clock::now() - loading).count(),
                 static_cast<double>(std::filesystem::file_size(path)) / 1e6);

    std::mt19937_64 random(42);
    std::uniform_int_distribution<std::uint64_t> any(0, customers - 1);
    std::vector<std::uint64_t> picks(20'000);
    for (auto& p : picks) p = any(random);
    const auto pick = [&](int i) { return picks[static_cast<std::size_t>(i) % picks.size()]; };
    const auto read = [&](auto&& work) {
        auto tx = store.begin(core::TransactionMode::read);
        work(*tx);
    };
    const std::uint64_t deep_offset = (deep_page - 1) * page_size;
    const std::uint64_t last_offset = customers - page_size;
    core::Ulid deep_key;
    core::Ulid last_key;
    read([&](core::Transaction& tx) {
        deep_key = tx.customers().page(deep_offset - 1, 1).at(0).ulid;
        last_key = tx.customers().page(last_offset - 1, 1).at(0).ulid;
    });

    Results results;
    results["insert (one per transaction)"] = measure(2000, [&](int i) {
        auto tx = store.begin(core::TransactionMode::write);
        if (!tx->customers().insert(customer(customers + static_cast<std::uint64_t>(i))))
            throw std::runtime_error("dup");
        tx->commit();
    });
    // What a registration writes (a customer and its credential), from 64 threads at once
    // through run_write: the writer thread commits them in batches (group commit).
    results["insert + credential, 64 threads (group commit)"] = measure_concurrent(64, 300, [&](int i) {
        const auto n = customers + 10'000 + static_cast<std::uint64_t>(i);
        store.run_write([&](core::Transaction& tx) {
            if (!tx.customers().insert(customer(n))) throw std::runtime_error("dup");
            tx.credentials().insert(credential(n));
            return true;
        });
    });
    // The same writes queued without a waiting thread each, 64 at a time: the writer's own
    // ceiling for registrations on this machine, without HTTP, JSON or a load generator.
    results["insert + credential, 64 queued (submit_write)"] =
        measure_pipelined(store, 30'000, 64, [&](core::Transaction& tx, int i) {
            const auto n = customers + 100'000 + static_cast<std::uint64_t>(i);
            if (!tx.customers().insert(customer(n))) throw std::runtime_error("dup");
            tx.credentials().insert(credential(n));
            return true;
        });
    results["point read by ulid"] = measure(20'000, [&](int i) {
        read([&](core::Transaction& tx) {
            if (!tx.customers().find(ulid(pick(i)))) throw std::runtime_error("missing");
        });
    });
    results["token lookup"] = measure(20'000, [&](int i) {
        read([&](core::Transaction& tx) {
            if (!tx.credentials().find(token_hash(pick(i)))) throw std::runtime_error("missing");
        });
    });
    results["token lookup + customer read"] = measure(20'000, [&](int i) {
        read([&](core::Transaction& tx) {
            const auto found = tx.credentials().find(token_hash(pick(i)));
            if (!found || !tx.customers().find(found->principal.subject)) throw std::runtime_error("missing");
        });
    });
    results["count"] =
        measure(20'000, [&](int) { read([](core::Transaction& tx) { (void)tx.customers().count(); }); });
    const auto page_at = [&](std::uint64_t offset) {
        return [&, offset](int) {
            read([&](core::Transaction& tx) {
                if (tx.customers().page(offset, page_size).size() != page_size)
                    throw std::runtime_error("short page");
            });
        };
    };
    const auto keyset_after = [&](const core::Ulid& key) {
        return [&, key](int) {
            read([&](core::Transaction& tx) {
                if (tx.customers().after(key, page_size).size() != page_size)
                    throw std::runtime_error("short page");
            });
        };
    };
    results["page 1 (page-number)"] = measure(2000, page_at(0));
    results["page 1,000 (page-number)"] = measure(2000, page_at(deep_offset));
    results["page 1,000 (keyset)"] = measure(2000, keyset_after(deep_key));
    results["last page (page-number)"] = measure(2000, page_at(last_offset));
    results["last page (keyset)"] = measure(2000, keyset_after(last_key));
    return results;
}

std::vector<std::uint64_t> parse_sizes(const std::string& text) {
    std::vector<std::uint64_t> sizes;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) sizes.push_back(std::stoull(item));
    return sizes;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::uint64_t> sizes{100'000, 1'000'000};
    std::string dir = std::filesystem::temp_directory_path().string();
    auto durability = jambo::sqlite::Durability::normal;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const std::string value = argv[i + 1];
        if (flag == "--customers")
            sizes = parse_sizes(value);
        else if (flag == "--dir")
            dir = value;
        else if (flag == "--durability")
            durability = value == "full" ? jambo::sqlite::Durability::full : durability;
    }
    std::vector<Results> all;
    const auto path = (std::filesystem::path(dir) / "jambo-store-bench.db").string();
    for (const auto size : sizes) all.push_back(run(path, size, durability));
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);

    std::printf("| operation, µs (mean / p50 / p99) |");
    for (const auto size : sizes) std::printf(" %llu customers |", static_cast<unsigned long long>(size));
    std::printf("\n|---|");
    for (std::size_t i = 0; i < sizes.size(); ++i) std::printf("---|");
    std::printf("\n");
    for (const auto& [name, timing] : all.front()) {
        std::printf("| %s |", name.c_str());
        for (const auto& results : all) {
            const auto& t = results.at(name);
            std::printf(" %.1f / %.1f / %.1f |", t.mean_us, t.p50_us, t.p99_us);
        }
        std::printf("\n");
    }
    return 0;
}
