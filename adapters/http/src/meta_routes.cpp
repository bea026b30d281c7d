#include <jambo/http/api.hpp>

#include <jambo/core/country.hpp>

#include "errors.hpp"
#include "json_writer.hpp"
#include "routes.hpp"

#include <spdlog/spdlog.h>

namespace jambo::http {

extern const std::string_view openapi_json;  // generated from docs/openapi.yaml

namespace {

const std::string& nationalities_json() {
    static const std::string body = [] {
        std::string list = "[";
        for (const auto& country : core::all_countries()) {
            if (list.size() > 1) list += ',';
            list += R"({"code":)";
            append_json_string(list, country.alpha_2);
            list += R"(,"name":)";
            append_json_string(list, country.display_name());
            list += '}';
        }
        list += ']';
        return envelope(200, list);
    }();
    return body;
}

bool store_answers(core::Store& store) {
    try {
        return store.healthy();
    } catch (const std::exception& e) {
        spdlog::error("status check failed: {}", e.what());
        return false;
    }
}

}  // namespace

void Api::add_meta_routes() {
    auto& store = services_.store;
    router_.add({Method::get, Method::head}, "/api/status", [&store](const Request&, const PathParams&) {
        return store_answers(store) ? message_response(200, "OK") : store_unavailable();
    });
    router_.add({Method::get, Method::head}, "/api/nationalities", [](const Request&, const PathParams&) {
        return json_response(200, nationalities_json());
    });
    // In an envelope like every JSON answer (contract section 1): the document is its body.
    router_.add({Method::get, Method::head}, "/api/openapi.json", [](const Request&, const PathParams&) {
        static const std::string enveloped = R"({"statusCode":200,"body":)" + std::string(openapi_json) + "}";
        return json_response(200, enveloped);
    });
}

}  // namespace jambo::http
