#include <jambo/http/message.hpp>

#include "text_util.hpp"

#include <algorithm>

namespace jambo::http {

Method method_from_string(std::string_view text) {
    // Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
    if (text == "GET") return Method::get;
    if (text == "HEAD") return Method::head;
    if (text == "POST") return Method::post;
    if (text == "PUT") return Method::put;
    if (text == "PATCH") return Method::patch;
    if (text == "DELETE") return Method::delete_;
    if (text == "OPTIONS") return Method::options;
    return Method::other;
}

std::string_view to_string(Method method) {
    switch (method) {
        case Method::get: return "GET";
        case Method::head: return "HEAD";
        case Method::post: return "POST";
        case Method::put: return "PUT";
        case Method::patch: return "PATCH";
        case Method::delete_: return "DELETE";
        case Method::options: return "OPTIONS";
        case Method::other: break;
    }
    return "OTHER";
}

void Headers::set(std::string_view name, std::string value) {
    std::erase_if(fields_, [&](const auto& field) { return iequals(field.first, name); });
    fields_.emplace_back(std::string(name), std::move(value));
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
    for (const auto& [field, value] : fields_) {
        if (iequals(field, name)) return std::string_view(value);
    }
    return std::nullopt;
}

std::optional<std::string> Headers::combined(std::string_view name) const {
    std::optional<std::string> joined;
    for (const auto& [field, value] : fields_) {
        if (!iequals(field, name)) continue;
        if (joined) {
            *joined += ", ";
            *joined += value;
        } else {
            joined = value;
        }
    }
    return joined;
}

Request Request::make(Method method, std::string target, std::string body) {
    Request request;
    request.method = method;
    request.method_text = std::string(to_string(method));
    request.body = std::move(body);
    request.set_target(std::move(target));
    return request;
}

void Request::set_target(std::string new_target) {
    target = std::move(new_target);
    std::string_view view = target;
    // absolute-form (RFC 9112 3.2.2) must be accepted; only its path and query matter here.
    if (auto scheme_end = view.find("://"); scheme_end != std::string_view::npos && !view.starts_with('/')) {
        auto path_start = view.find('/', scheme_end + 3);
        view = path_start == std::string_view::npos ? std::string_view("/") : view.substr(path_start);
    }
    auto question = view.find('?');
    path = std::string(view.substr(0, question));
    query = question == std::string_view::npos ? std::string() : std::string(view.substr(question + 1));
}

}  // namespace jambo::http
