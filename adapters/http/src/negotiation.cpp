#include "negotiation.hpp"

#include "text_util.hpp"

#include <charconv>

namespace jambo::http {

namespace {

struct Quality {
    int specificity = -1;  ///< 0 for */*, 1 for type/*, 2 for type/subtype
    double q = 0.0;
};

double parse_q(std::string_view params) {
    const auto value = media_parameter(params, "q");
    if (!value) return 1.0;
    double q = 0.0;
    // from_chars for double is in GCC 12's libstdc++.
    if (std::from_chars(value->data(), value->data() + value->size(), q).ec != std::errc()) q = 0.0;
    return q;
}

void consider(Quality& best, std::string_view range, double q, std::string_view type, std::string_view subtype) {
    auto slash = range.find('/');
    if (slash == std::string_view::npos) return;
    auto range_type = range.substr(0, slash);
    auto range_subtype = range.substr(slash + 1);
    int specificity = -1;
    if (range_type == "*" && range_subtype == "*") {
        specificity = 0;
    } else if (iequals(range_type, type) && range_subtype == "*") {
        specificity = 1;
    } else if (iequals(range_type, type) && iequals(range_subtype, subtype)) {
        specificity = 2;
    }
    if (specificity > best.specificity) best = Quality{specificity, q};
}

Quality quality_of(std::string_view accept, std::string_view type, std::string_view subtype) {
    Quality best;
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        auto semicolon = item.find(';');
        auto range = trim_ows(item.substr(0, semicolon));
        auto q = semicolon == std::string_view::npos ? 1.0 : parse_q(item.substr(semicolon + 1));
        consider(best, range, q, type, subtype);
    }
    if (best.specificity < 0) best.q = 0.0;
    return best;
}

}  // namespace

bool prefers_html(std::optional<std::string_view> accept) {
    if (!accept) return false;
    const Quality html = quality_of(*accept, "text", "html");
    const Quality json = quality_of(*accept, "application", "json");
    if (html.q != json.q) return html.q > json.q;
    // A tie: the client that names text/html and takes JSON only through a wildcard
    // ("text/html, */*", as some link scanners send) is a browser, and its GET must not delete.
    return html.q > 0.0 && html.specificity > json.specificity;
}

}  // namespace jambo::http
