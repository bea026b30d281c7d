#include "negotiation.hpp"

#include "text_util.hpp"

#include <optional>

namespace jambo::http {

namespace {

struct Quality {
    int specificity = -1;  ///< 0 for */*, 1 for type/*, 2 for type/subtype
    double q = 0.0;
};

// RFC 9110 12.4.2: "0" or "1", then up to three decimals (none above 1). Anything else, and
// an Accept header that carries it, states no preference that can be read.
std::optional<double> parse_qvalue(std::string_view text) {
    if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
    if (text.size() > 1 && (text[1] != '.' || text.size() > 5)) return std::nullopt;
    const auto decimals = text.size() > 2 ? text.substr(2) : std::string_view();
    for (const char c : decimals) {
        if (c < '0' || c > '9' || (text[0] == '1' && c != '0')) return std::nullopt;
    }
    double q = text[0] - '0';
    double scale = 0.1;
    for (const char c : decimals) {
        q += (c - '0') * scale;
        scale /= 10;
    }
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

// Nullopt when a range's weight is malformed.
std::optional<Quality> quality_of(std::string_view accept, std::string_view type, std::string_view subtype) {
    Quality best;
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        auto semicolon = item.find(';');
        auto range = trim_ows(item.substr(0, semicolon));
        double q = 1.0;
        if (semicolon != std::string_view::npos) {
            if (const auto weight = media_parameter(item.substr(semicolon + 1), "q")) {
                const auto parsed = parse_qvalue(*weight);
                if (!parsed) return std::nullopt;
                q = *parsed;
            }
        }
        consider(best, range, q, type, subtype);
    }
    if (best.specificity < 0) best.q = 0.0;
    return best;
}

}  // namespace

bool prefers_html(std::optional<std::string_view> accept) {
    if (!accept) return false;
    const auto html = quality_of(*accept, "text", "html");
    const auto json = quality_of(*accept, "application", "json");
    // A GET that may delete for good needs a preference that can be read: a malformed weight
    // ("text/html;q=abc") gets the page, which deletes nothing until its button is pressed.
    if (!html || !json) return true;
    if (html->q != json->q) return html->q > json->q;
    // A tie: the client that names text/html and takes JSON only through a wildcard
    // ("text/html, */*", as some link scanners send) is a browser, and its GET must not delete.
    return html->q > 0.0 && html->specificity > json->specificity;
}

}  // namespace jambo::http
