#pragma once
/// Maps method + path pattern to a handler. Unknown path: 404; known path, other method: 405
/// with Allow. A trailing '/' is ignored.

#include <jambo/http/message.hpp>

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::http {

/// The `{...}` segments of the matched pattern, percent-decoded, in order.
using PathParams = std::vector<std::string>;
using Handler = std::function<Response(const Request&, const PathParams&)>;
/// Starts handling a request that would otherwise only wait (for a queued write) and returns;
/// the response goes to the Responder. Throws only before it has called the Responder.
using AsyncHandler = std::function<void(const Request&, const PathParams&, const Responder&)>;

class Router {
public:
    /// `pattern` is like "/api/customer/{id}/delete/request". HEAD is served by a GET handler
    /// only when listed explicitly.
    void add(std::initializer_list<Method> methods, std::string_view pattern, Handler handler);
    /// A route that can answer without waiting (see route_async); route() starts it and waits
    /// for its answer.
    void add(std::initializer_list<Method> methods, std::string_view pattern, AsyncHandler async);

    [[nodiscard]] Response route(const Request& request) const;
    /// Starts the matching route's AsyncHandler and returns true; false if the request has no
    /// route with one (then route() answers it).
    bool route_async(const Request& request, const Responder& respond) const;

private:
    struct Route {
        std::vector<Method> methods;
        std::vector<std::string> segments;  ///< "" marks a parameter
        Handler handler;
        AsyncHandler async;
    };
    std::vector<Route> routes_;

    [[nodiscard]] static bool match(const Route& route, const std::vector<std::string>& segments);
    /// The route for these segments and method, with its parameters moved out of `segments`
    /// into `params`; or nullptr, and then `allowed` holds the methods the path does have.
    [[nodiscard]] const Route* find(std::vector<std::string>& segments, Method method, PathParams& params,
                                    std::vector<Method>& allowed) const;
};

/// The decoded segments of a path, without the empty one a trailing '/' makes. nullopt for a
/// path that is not absolute or has empty or undecodable segments.
[[nodiscard]] std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace jambo::http
