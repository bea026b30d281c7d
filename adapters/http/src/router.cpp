#include <jambo/http/router.hpp>

#include "errors.hpp"

#include <boost/url/parse_path.hpp>

#include <algorithm>
#include <future>

namespace jambo::http {

namespace {

bool plain_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '~' || c == '/';
}

// Unreserved characters are valid anywhere in a path and decode to themselves: a path made
// of them alone (every path this API's clients send) is cut at each '/' without the URL
// parser or a decoding copy. '.' is left to the parser, which treats a leading "/." as a dot
// segment; so is an empty segment ("//", or the path "/").
bool plain_path(std::string_view path) {
    return path.size() > 1 && path.find("//") == std::string_view::npos && std::ranges::all_of(path, plain_char);
}

}  // namespace

std::optional<std::vector<std::string>> split_path(std::string_view path) {
    if (!path.starts_with('/')) return std::nullopt;
    std::vector<std::string> segments;
    if (plain_path(path)) {
        segments.reserve(4);
        for (std::size_t start = 1; start <= path.size();) {
            const auto slash = std::min(path.find('/', start), path.size());
            segments.emplace_back(path.substr(start, slash - start));
            start = slash + 1;
        }
    } else {
        auto parsed = boost::urls::parse_path(path);
        if (!parsed) return std::nullopt;
        segments.reserve(parsed->size());
        for (auto segment : *parsed) segments.push_back(segment.decode());
    }
    if (!segments.empty() && segments.back().empty()) segments.pop_back();
    if (std::ranges::any_of(segments, [](const std::string& s) { return s.empty(); })) return std::nullopt;
    return segments;
}

namespace {

// The synchronous form of an AsyncHandler: starts it and waits for its answer, which comes at
// once with a store that writes on the calling thread and from the store's writer otherwise.
Handler waiting_for(AsyncHandler async) {
    return [async = std::move(async)](const Request& request, const PathParams& params) {
        std::promise<std::function<Response()>> answer;
        auto made = answer.get_future();
        async(request, params, [&answer](std::function<Response()> make) { answer.set_value(std::move(make)); });
        return made.get()();
    };
}

}  // namespace

void Router::add(std::initializer_list<Method> methods, std::string_view pattern, Handler handler) {
    Route route{methods, {}, std::move(handler), {}};
    // Patterns are ours and plain; '{' is not a URL character, so no URL parser here.
    for (std::size_t start = 1; start <= pattern.size();) {
        auto slash = std::min(pattern.find('/', start), pattern.size());
        auto segment = pattern.substr(start, slash - start);
        route.segments.emplace_back(segment.starts_with('{') ? std::string_view() : segment);
        start = slash + 1;
    }
    routes_.push_back(std::move(route));
}

void Router::add(std::initializer_list<Method> methods, std::string_view pattern, AsyncHandler async) {
    add(methods, pattern, waiting_for(async));
    routes_.back().async = std::move(async);
}

bool Router::match(const Route& route, const std::vector<std::string>& segments) {
    if (route.segments.size() != segments.size()) return false;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (!route.segments[i].empty() && route.segments[i] != segments[i]) return false;
    }
    return true;
}

const Router::Route* Router::find(std::vector<std::string>& segments, Method method, PathParams& params,
                                  std::vector<Method>& allowed) const {
    for (const auto& route : routes_) {
        if (!match(route, segments)) continue;
        if (std::ranges::find(route.methods, method) == route.methods.end()) {
            allowed.insert(allowed.end(), route.methods.begin(), route.methods.end());
            continue;
        }
        // The segments are not needed again: the parameters take them over.
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (route.segments[i].empty()) params.push_back(std::move(segments[i]));
        }
        return &route;
    }
    return nullptr;
}

Response Router::route(const Request& request) const {
    auto segments = split_path(request.path);
    if (!segments) return route_not_found();
    PathParams params;
    std::vector<Method> allowed;
    if (const Route* route = find(*segments, request.method, params, allowed)) return route->handler(request, params);
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
    std::vector<Method> allowed;
    const Route* route = find(*segments, request.method, params, allowed);
    if (route == nullptr || !route->async) return false;
    route->async(request, params, respond);
    return true;
}

}  // namespace jambo::http
