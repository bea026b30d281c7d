#pragma once
// An Api over the in-memory store with deterministic time, randomness and hashing, and helpers
// that read responses the way a client would.

#include <jambo/core/services/admin_service.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/http/api.hpp>
#include <jambo/memory/memory_store.hpp>

#include "fakes.hpp"
#include "queuing_store.hpp"

#include <boost/json.hpp>

#include <concepts>
#include <initializer_list>
#include <string>
#include <utility>

// Lets tests compare a JSON value with a std::string; Catch finds it by ADL.
namespace boost::json {
template <typename S>
    requires std::same_as<S, std::string>
bool operator==(const value& v, const S& s) {
    return v.is_string() && v.get_string() == s;
}
template <typename S>
    requires std::same_as<S, std::string>
bool operator!=(const value& v, const S& s) {
    return !(v == s);
}
}  // namespace boost::json

namespace jambo::testing {

using Header = std::pair<std::string, std::string>;

/// A Store that can be made to fail, for 503 and 500.
class SwitchableStore final : public core::Store {
public:
    enum class Mode { ok, unhealthy, unavailable, broken };
    std::unique_ptr<core::Transaction> begin(core::TransactionMode mode) override;
    bool healthy() override { return mode == Mode::ok; }
    memory::MemoryStore inner;
    Mode mode = Mode::ok;
};

/// How the fixture hands requests to the Api: handle() only, or handle_async() first over a
/// store that queues writes (as the server does with the SQLite store).
enum class Dispatch { direct, queued };

struct ApiFixture {
    explicit ApiFixture(http::ApiOptions options = {}, core::Policy policy_ = test_policy(),
                        Dispatch dispatch = Dispatch::direct);

    FixedClock clock{core::TimePoint{std::chrono::milliseconds{1'700'000'000'000}}};
    SequenceRandom random;
    FakeHasher hasher;
    core::UlidGenerator ulids{clock, random};
    SwitchableStore store;
    QueuingStore queuing{store};
    core::Store& services_store;  ///< `queuing` with Dispatch::queued, else `store`
    core::Policy policy;
    core::CustomerService customers{services_store, clock, random, hasher, ulids, policy};
    core::ErasureService erasure{services_store, clock, random, hasher, policy};
    core::AdminService admin{services_store, clock, random, hasher, ulids};
    http::Api api;

    static core::Policy test_policy();

    http::Response call(http::Method method, const std::string& target, const std::string& body = {},
                        std::initializer_list<Header> headers = {});
    http::Response json(http::Method method, const std::string& target, const boost::json::value& body,
                        const std::string& token = {});
    http::Response get(const std::string& target, const std::string& token = {});
    /// As the server does: handle_async() if the Api takes the request (requiring that no
    /// answer comes before its queued write ran), else handle().
    http::Response send(http::Request& request);

    std::string staff_token();
    /// Registers a customer with the given unique suffix; returns {ulid, token}.
    std::pair<std::string, std::string> add_customer(int n);
    /// The deletion token from the latest mail in the outbox.
    std::string latest_deletion_token();
};

[[nodiscard]] boost::json::object customer_body(int n);
[[nodiscard]] boost::json::value parse(const http::Response& response);
[[nodiscard]] std::string bearer(const std::string& token);
/// The keys of a JSON object in the order the text has them.
[[nodiscard]] std::vector<std::string> key_order(const boost::json::object& object);

}  // namespace jambo::testing
