#include <jambo/http/api.hpp>

#include "codec.hpp"
#include "customer_json.hpp"
#include "errors.hpp"
#include "json_writer.hpp"
#include "routes.hpp"

#include <jambo/core/policy.hpp>
#include <jambo/core/services/unit_of_work.hpp>

namespace jambo::http {

namespace {

core::DraftMode mode_of(const Request& request) {
    return request.method == Method::patch ? core::DraftMode::partial : core::DraftMode::full;
}

Response customer_response(unsigned status, const core::Customer& customer) {
    return json_response(status, envelope(status, customer_json(customer)));
}

Response registered(const core::Registration& registration, const std::string& path_prefix) {
    std::string token;
    append_json_string(token, registration.token);
    auto response = json_response(201, envelope(201, customer_json(registration.customer), "token", token));
    response.headers.add("Location", path_prefix + "/api/customer/" + registration.customer.ulid.to_string());
    return response;
}

Response registration_response(const core::Result<core::Registration>& registration,
                               const std::string& path_prefix) {
    return registration ? registered(*registration, path_prefix) : refusal(registration.error());
}

Response update_response(const core::Result<core::Customer>& updated) {
    return updated ? customer_response(200, *updated) : refusal(updated.error());
}

// A use case's completion that has `make` build the response on the connection's I/O thread:
// the store's writer only passes the outcome on.
template <typename T, typename Make>
core::Completion<T> answer_with(const Responder& respond, Make make) {
    return [respond, make = std::move(make)](core::Outcome<T> outcome) {
        respond([make, outcome = std::move(outcome)]() mutable { return make(std::move(outcome).get()); });
    };
}

void answer_now(const Responder& respond, Response response) {
    respond([response = std::move(response)] { return response; });
}

Response no_content() {
    Response response;
    response.status = 204;
    return response;
}

}  // namespace

void Api::add_customer_routes() {
    auto& customers = services_.customers;
    const std::string public_url = public_url_;  // by value: the routes never point into the Api

    // Registration and updates are AsyncHandlers: with the SQLite store the server starts
    // them on the I/O thread and the writer's commit answers them, no thread waiting.
    router_.add({Method::post}, "/api/customers",
                // Behind a proxy that serves the API under the public URL's path, a Location
                // of /api/... would point outside it.
                [&customers, path_prefix = core::path_of_url(public_url)](const Request& request, const PathParams&,
                                                                          const Responder& respond) {
                    auto draft = decode_customer(request);
                    if (!draft) return answer_now(respond, std::move(draft.error()));
                    customers.register_customer(
                        *draft, answer_with<core::Registration>(respond, [path_prefix](const auto& made) {
                            return registration_response(made, path_prefix);
                        }));
                });

    router_.add({Method::get, Method::head}, "/api/customers",
                [&customers, public_url](const Request& request, const PathParams&) {
                    auto listing = customers.list(credentials_of(request), decode_page_request(request.query));
                    if (!listing) return refusal(listing.error());
                    if (const auto* own = std::get_if<core::Customer>(&*listing)) return customer_response(200, *own);
                    return json_response(200, page_json(std::get<core::CustomerPage>(*listing), public_url));
                });

    router_.add({Method::put, Method::patch}, "/api/customers",
                [&customers](const Request& request, const PathParams&, const Responder& respond) {
                    auto draft = decode_customer(request);
                    if (!draft) {
                        auto allowed = customers.authorize_update_self(credentials_of(request));
                        return answer_now(respond, first_refusal(allowed, std::move(draft.error())));
                    }
                    customers.update_self(credentials_of(request), *draft, mode_of(request),
                                          answer_with<core::Customer>(respond, &update_response));
                });

    router_.add({Method::get, Method::head}, "/api/customer/{ulid}",
                [&customers](const Request& request, const PathParams& params) {
                    auto customer = customers.get(credentials_of(request), params[0]);
                    return customer ? customer_response(200, *customer) : refusal(customer.error());
                });

    router_.add({Method::put, Method::patch}, "/api/customer/{ulid}",
                [&customers](const Request& request, const PathParams& params, const Responder& respond) {
                    auto draft = decode_customer(request);
                    if (!draft) {
                        auto allowed = customers.authorize_update(credentials_of(request), params[0]);
                        return answer_now(respond, first_refusal(allowed, std::move(draft.error())));
                    }
                    customers.update(credentials_of(request), params[0], *draft, mode_of(request),
                                     answer_with<core::Customer>(respond, &update_response));
                });

    router_.add({Method::delete_}, "/api/customer/{ulid}",
                [&customers](const Request& request, const PathParams& params) {
                    auto removed = customers.remove(credentials_of(request), params[0]);
                    return removed ? no_content() : refusal(removed.error());
                });
}

}  // namespace jambo::http
