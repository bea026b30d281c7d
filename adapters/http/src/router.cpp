#include <jambo/http/router.hpp>

#include "errors.hpp"

#include <boost/url/parse_path.hpp>

#include <algorithm>

namespace jambo::http {

std::optional<std::vector<std::string>> split_path(std::string_view path) {
    if (!path.starts_with('/')) return std::nullopt;
    auto parsed = boost::urls::parse_path(path);
    if (!parsed) return std::nullopt;
    std::vector<std::string> segments;
    segments.reserve(parsed->size());
    for (auto segment : *parsed) segments.push_back(segment.decode());
    if (!segments.empty() && segments.back().empty()) segments.pop_back();
    if (std::ranges::any_of(segments, [](const std::string& s) { return s.empty(); })) return std::nullopt;
    return segments;
}

void Router::add(std::initializer_list<Method> methods, std::string_view pattern, Handler handler,
                 AsyncHandler async) {
    Route route{methods, {}, std::move(handler), std::move(async)};
    // Patterns are ours and plain; '{' is not a URL character, so no URL parser here.
    for (std::size_t start = 1; start <= pattern.size();) {
        auto slash = std::min(pattern.find('/', start), pattern.size());
        auto segment = pattern.substr(start, slash - start);
        route.segments.emplace_back(segment.starts_with('{') ? std::string_view() : segment);
        start = slash + 1;
    }
    routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string>& segments, PathParams& params) {
    if (route.segments.size() != segments.size()) return false;
    params.clear();
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (route.segments[i].empty()) {
            params.push_back(segments[i]);
        } else if (route.segments[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

Response Router::route(const Request& request) const {
    auto segments = split_path(request.path);
    if (!segments) return route_not_found();
    PathParams params;
    std::vector<Method> allowed;
    for (const auto& route : routes_) {
        if (!match(route, *segments, params)) continue;
        if (std::ranges::find(route.methods, request.method) != route.methods.end()) {
            return route.handler(request, params);
        }
        allowed.insert(allowed.end(), route.methods.begin(), route.methods.end());
    }
    if (allowed.empty()) return route_not_found();
    std::string allow;
    for (auto method : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += to_string(method);
    }
    return method_not_allowed(request.method_text, allow);
}

bool Router::route_async(const Request& request, const Responder& respond) const {
    auto segments = split_path(request.path);
    if (!segments) return false;
    PathParams params;
    for (const auto& route : routes_) {
        if (!match(route, *segments, params)) continue;
        if (std::ranges::find(route.methods, request.method) == route.methods.end()) continue;
        if (!route.async) return false;
        route.async(request, params, respond);
        return true;
    }
    return false;
}

}  // namespace jambo::http
