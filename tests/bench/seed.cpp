// Fills a database for the benchmarks: N customers, one staff token, and 1,000 customer
// tokens, written beside it for the wrk scripts.
//
//   jambo_bench_seed <db> <customers> <out-dir>
//   out-dir/staff_token       the staff bearer token
//   out-dir/customers.tsv     ulid, token, email, phone of 1,000 customers spread over the table
//   out-dir/ulids.txt         ulids at offsets 0 and 49,949, one per line: after the second, a
//                             keyset page starts where page-number page 1,000 (offset 49,950) does
#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/services/unit_of_work.hpp>
#include <jambo/sodium/sodium.hpp>
#include <jambo/sqlite/sqlite_store.hpp>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

using namespace jambo;

namespace {

constexpr std::uint64_t batch = 5000;
constexpr std::uint64_t sampled = 1000;

core::Customer make_customer(core::UlidGenerator& ulids, std::uint64_t i) {
    core::Customer c;
    c.ulid = ulids.next();
    c.first_name = "Bench" + std::to_string(i);
    c.last_name = "Customer";
    c.middle_name = "";
    c.nationality = "KE";
    c.dob = std::chrono::year_month_day{std::chrono::year{1990}, std::chrono::January, std::chrono::day{1}};
    c.email = "bench" + std::to_string(i) + "@example.org";
    c.phone_number = std::to_string(254'700'000'000ULL + i);
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: jambo_bench_seed <db> <customers> <out-dir>\n";
        return 2;
    }
    const std::string out_dir = argv[3];
    std::uint64_t total = 0;
    std::from_chars(argv[2], argv[2] + std::char_traits<char>::length(argv[2]), total);
    const std::uint64_t stride = std::max<std::uint64_t>(1, total / sampled);

    sqlite::SqliteStore store(sqlite::SqliteOptions{.path = argv[1]});
    core::SystemClock clock;
    sodium::SodiumRandom random;
    sodium::Blake2bHasher hasher;
    core::UlidGenerator ulids(clock, random);
    core::AdminService admin(store, clock, random, hasher, ulids);

    std::ofstream customers(out_dir + "/customers.tsv");
    std::ofstream ulid_file(out_dir + "/ulids.txt");
    for (std::uint64_t start = 0; start < total; start += batch) {
        auto tx = store.begin(core::TransactionMode::write);
        for (std::uint64_t i = start; i < std::min(total, start + batch); ++i) {
            const core::Customer c = make_customer(ulids, i);
            if (!tx->customers().insert(c)) {
                std::cerr << "duplicate customer " << i << " (is the database empty?)\n";
                return 1;
            }
            if (i == 0 || i == 49'949) ulid_file << c.ulid.to_string() << "\n";
            if (i % stride == 0 && i / stride < sampled) {
                const core::Secret token = core::make_bearer_token(random);
                tx->credentials().insert(core::Credential{hasher.hash(token.text),
                                                          core::Principal{core::Role::customer, c.ulid},
                                                          clock.now(), false});
                customers << c.ulid.to_string() << '\t' << token.text << '\t' << c.email << '\t'
                          << c.phone_number << '\n';
            }
        }
        tx->commit();
    }
    const auto staff = admin.add_staff("bench-staff@example.org", "Bench Staff");
    if (!staff) {
        std::cerr << "could not add the staff account: " << staff.error().message << "\n";
        return 1;
    }
    std::ofstream(out_dir + "/staff_token") << *staff << "\n";
    store.checkpoint();
    std::cout << "seeded " << total << " customers into " << argv[1] << "\n";
}
