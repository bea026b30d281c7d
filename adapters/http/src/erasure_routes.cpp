#include <jambo/http/api.hpp>

#include "codec.hpp"
#include "errors.hpp"
#include "html.hpp"
#include "negotiation.hpp"
#include "routes.hpp"

namespace jambo::http {

namespace {

constexpr std::string_view describe_only =
    "This link deletes the customer's data when confirmed with POST; GET does not delete.";

// Every Accept field, combined (RFC 9110 5.3): "*/*" then "text/html" is a browser's "text/html, */*".
bool wants_page(const Request& request) { return prefers_html(request.headers.combined("Accept")); }

// A browser's failure page; a link that erased its record a moment ago (a second click, a
// reload, Back) says so rather than that it cannot be used.
Response failure_page(core::ErasureService& erasure, std::string_view link, const core::Error& error) {
    if (error.kind == core::ErrorKind::not_found) {
        if (const auto erased_at = erasure.erased_with(link)) return used_link_page(*erased_at);
    }
    return error_page(error);
}

Response confirmed(core::ErasureService& erasure, const Request& request, std::string_view link,
                   const core::Result<void>& result) {
    if (wants_page(request)) return result ? erased_page() : failure_page(erasure, link, result.error());
    return result ? message_response(200, core::messages::customer_deleted) : refusal(result.error());
}

}  // namespace

void Api::add_erasure_routes() {
    auto& erasure = services_.erasure;
    auto confirm_on_get = options_.confirm_on_get;

    router_.add({Method::post, Method::put}, "/api/customer/{ulid}/delete/request",
                [&erasure](const Request& request, const PathParams& params) {
                    auto origin = decode_origin(request);
                    if (!origin) {
                        auto allowed = erasure.authorize_deletion_request(credentials_of(request), params[0]);
                        return first_refusal(allowed, std::move(origin.error()));
                    }
                    auto requested = erasure.request_deletion(credentials_of(request), params[0], *origin);
                    return requested ? message_response(200, core::messages::deletion_link_sent)
                                     : refusal(requested.error());
                });

    // What the link would do, with no side effect: the page for a browser, else a sentence.
    const auto describe_link = [&erasure](const Request& request, const PathParams& params) {
        auto preview = erasure.preview(params[0]);
        if (wants_page(request)) {
            return preview ? confirm_page(*preview) : failure_page(erasure, params[0], preview.error());
        }
        return preview ? message_response(200, describe_only) : refusal(preview.error());
    };

    // GET never deletes for a browser (mail scanners prefetch links like browsers do); the
    // page's button POSTs.
    router_.add({Method::get}, confirm_route,
                [&erasure, confirm_on_get, describe_link](const Request& request, const PathParams& params) {
                    if (!wants_page(request) && confirm_on_get == ConfirmOnGet::api) {
                        return confirmed(erasure, request, params[0], erasure.confirm(params[0]));
                    }
                    return describe_link(request, params);
                });

    // HEAD is safe by definition, so it never runs GET's deletion: it answers as GET does
    // when GET only describes.
    router_.add({Method::head}, confirm_route, describe_link);

    router_.add({Method::post}, confirm_route,
                [&erasure](const Request& request, const PathParams& params) {
                    return confirmed(erasure, request, params[0], erasure.confirm(params[0]));
                });
}

}  // namespace jambo::http
