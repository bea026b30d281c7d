#pragma once
/// The HTTP adapter's own request and response: plain values, no Beast, so handlers and the
/// router are pure functions that tests call without a socket.

#include <functional>
#include <string>
#include <string_view>
#include <optional>
#include <utility>
#include <vector>

namespace jambo::http {

enum class Method { get, head, post, put, patch, delete_, options, other };

[[nodiscard]] Method method_from_string(std::string_view text);
[[nodiscard]] std::string_view to_string(Method method);

/// Header fields in arrival order; names compare case-insensitively.
class Headers {
public:
    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
    /// Replaces every field of that name with one.
    void set(std::string_view name, std::string value);
    /// The first field of that name.
    [[nodiscard]] std::optional<std::string_view> find(std::string_view name) const;
    /// Every field of that name as one value, joined with ", " (RFC 9110 5.3).
    [[nodiscard]] std::optional<std::string> combined(std::string_view name) const;
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
    void clear() { fields_.clear(); }

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
    Method method = Method::get;
    std::string method_text = "GET";  ///< as sent, for the 405 message
    std::string target = "/";          ///< as sent: path and query
    std::string path = "/";            ///< target without the query, not decoded
    std::string query;                 ///< after '?', not decoded
    Headers headers;
    std::string body;
    unsigned version = 11;             ///< 10 or 11
    std::string request_id;            ///< chosen by the Api: the client's if sane, else a new ULID

    /// A request as a test or the server builds it: splits `target` into path and query.
    [[nodiscard]] static Request make(Method method, std::string target, std::string body = {});
    void set_target(std::string target);
};

struct Response;

/// Hands a response back to its connection, from any thread, exactly once. `make` runs later
/// on the connection's I/O thread, so building the response costs that thread, not the
/// caller's (the store's writer, say); an exception from it becomes a 500.
using Responder = std::function<void(std::function<Response()> make)>;

struct Response {
    unsigned status = 200;
    Headers headers;   ///< Content-Type among them; the server adds framing headers
    std::string body;
};

}  // namespace jambo::http
