#pragma once
/// The REST API of the contract's section 4 as a pure function from Request to Response.

#include <jambo/core/policy.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/core/services/erasure_service.hpp>
#include <jambo/http/message.hpp>
#include <jambo/http/router.hpp>

#include <string>

namespace jambo::http {

/// Whether a GET of a confirm link by an API client deletes (`api`, the seed's behaviour) or
/// only describes (`never`, for users whose mail scanners fetch links).
enum class ConfirmOnGet { api, never };

struct ApiOptions {
    ConfirmOnGet confirm_on_get = ConfirmOnGet::api;
};

struct ApiServices {
    core::CustomerService& customers;
    core::ErasureService& erasure;
    core::Store& store;             ///< for /api/status
    const core::Policy& policy;  ///< read once, by Api's constructor
};

class Api {
public:
    /// Keeps references to the services and the store, which must outlive it; reads the policy
    /// here only. Throws std::invalid_argument for a policy that core::normalised() refuses.
    Api(ApiServices services, ApiOptions options);

    /// Never throws: an exception becomes a logged 500. Sets request.request_id (unless
    /// handle_async already did) and the X-Request-Id header.
    [[nodiscard]] Response handle(Request& request) const;

    /// For Server's AsyncRequestHandler: with a store that queues writes, starts a
    /// registration or an update without waiting for its commit and returns true; the
    /// response, finished as handle() finishes its own, goes to `respond`. False for every
    /// other request (then call handle()).
    bool handle_async(Request& request, const Responder& respond) const;

    /// Whether handling `request` may write to the store (and so wait for a commit): every
    /// unsafe method, and a GET of a deletion confirm link. For Server's BlockingPredicate.
    [[nodiscard]] static bool may_block(const Request& request);

private:
    // What the routes use; not the policy, whose reference may be to a temporary.
    struct Services {
        core::CustomerService& customers;
        core::ErasureService& erasure;
        core::Store& store;
    };
    Services services_;
    ApiOptions options_;
    std::string public_url_;  ///< of the policy, normalised: the base of the list's links
    Router router_;

    void add_customer_routes();
    void add_erasure_routes();
    void add_meta_routes();
};

}  // namespace jambo::http
