#include <jambo/http/api.hpp>
#include <jambo/http/server.hpp>  // unsafe_method

#include "errors.hpp"
#include "request_id.hpp"
#include "routes.hpp"

#include <jambo/core/services/unit_of_work.hpp>

#include <spdlog/spdlog.h>

namespace jambo::http {

Response refusal(const core::Error& error) {
    if (error.kind == core::ErrorKind::unavailable) {
        spdlog::error("request {}: store unavailable: {}", current_request_id(), error.message);
    }
    return error_response(error);
}

Response first_refusal(const core::Result<void>& allowed, Response body_failure) {
    return allowed ? std::move(body_failure) : refusal(allowed.error());
}

Api::Api(ApiServices services, ApiOptions options)
    : services_{services.customers, services.erasure, services.store},
      options_(options),
      public_url_(core::normalised(services.policy).public_url) {
    add_customer_routes();
    add_erasure_routes();
    add_meta_routes();
}

bool Api::may_block(const Request& request) {
    if (unsafe_method(request)) return true;
    // The confirm link is the one GET that writes. A path with escapes is judged decoded, as
    // the router matches it: ".../delete/confir%6D" is the same route, and must not make an
    // I/O thread wait for the writer.
    std::string_view path = request.path;
    if (path.find('%') != std::string_view::npos) {
        const auto segments = split_path(path);
        if (!segments || segments->size() < 2) return false;
        const auto& last = *segments;
        return "/" + last[last.size() - 2] + "/" + last.back() == confirm_route_tail;
    }
    if (path.ends_with('/')) path.remove_suffix(1);
    return path.ends_with(confirm_route_tail);
}

namespace {

// Every response of the Api: a logged 500 for an exception, and the same headers.
Response finished(const std::function<Response()>& make, const std::string& request_id) {
    Response response = answer_or_500(make, request_id);
    add_standard_headers(response, request_id);
    return response;
}

// A request that handle_async looked at and declined keeps the id it chose there.
void adopt_request_id(Request& request) { set_current_request_id(ensure_request_id(request)); }

}  // namespace

Response Api::handle(Request& request) const {
    adopt_request_id(request);
    return finished([&] { return router_.route(request); }, request.request_id);
}

bool Api::handle_async(Request& request, const Responder& respond) const {
    // With a store that runs writes on the calling thread, the write would run right here.
    if (!services_.store.queues_writes()) return false;
    adopt_request_id(request);
    Responder finishing = [respond, id = request.request_id](std::function<Response()> make) {
        respond([make = std::move(make), id] {
            set_current_request_id(id);
            return finished(make, id);
        });
    };
    try {
        return router_.route_async(request, finishing);
    } catch (const std::exception& e) {  // thrown before the handler answered: see AsyncHandler
        spdlog::error("request {}: {}", request.request_id, e.what());
        finishing([] { return internal_error(); });
        return true;
    }
}

}  // namespace jambo::http
