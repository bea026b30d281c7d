#include "html.hpp"

#include "errors.hpp"
#include "sha256.hpp"

#include <chrono>
#include <cstdio>

namespace jambo::http {

namespace {

constexpr std::string_view style =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;padding:1.5rem;"
    "background:#f6f6f4;color:#1d1d1b;line-height:1.5}"
    "main{max-width:32rem;margin:2rem auto;background:#fff;border-radius:.75rem;padding:1.5rem;"
    "box-shadow:0 1px 4px rgba(0,0,0,.12)}"
    "h1{font-size:1.4rem;margin-top:0}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;"
    "overflow-wrap:anywhere}"
    "button{font-size:1.1rem;width:100%;padding:.9rem;border:0;border-radius:.5rem;background:#b3261e;"
    "color:#fff;cursor:pointer}"
    "button:focus{outline:3px solid #1d1d1b;outline-offset:2px}"
    ".note{color:#555;font-size:.95rem}";

std::string style_hash() {
    auto digest = sha256(style);
    return "'sha256-" + base64(digest.data(), digest.size()) + "'";
}

std::string format_utc(core::TimePoint time) {
    auto day = std::chrono::floor<std::chrono::days>(time);
    std::chrono::year_month_day date(day);
    std::chrono::hh_mm_ss clock(std::chrono::floor<std::chrono::seconds>(time - day));
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()));
    return text;
}

Response page(unsigned status, std::string_view title, std::string_view content) {
    Response response;
    response.status = status;
    response.headers.add("Content-Type", "text/html; charset=utf-8");
    response.headers.add("Content-Security-Policy", page_security_policy());
    response.headers.add("Referrer-Policy", "no-referrer");
    response.headers.add("X-Frame-Options", "DENY");
    response.body.reserve(2048 + content.size());
    response.body += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"robots\" content=\"noindex\">\n"
                     "<title>";
    response.body += html_escape(title);
    response.body += "</title>\n<style>";
    response.body += style;
    response.body += "</style>\n</head>\n<body>\n<main>\n<h1>";
    response.body += html_escape(title);
    response.body += "</h1>\n";
    response.body += content;
    response.body += "</main>\n</body>\n</html>\n";
    return response;
}

// What a person reading the page should know: the JSON's message is the API's, written for
// programs ("No Token matches the given query."), so the page says it in its own words.
struct ErrorWords {
    std::string_view lead;
    std::string_view note;
};

ErrorWords error_words(const core::Error& error) {
    switch (error.kind) {
        case core::ErrorKind::not_found:
            // Also after this link erased the record a moment ago (a double click, a reload): the
            // page must not read as if the erasure had not happened.
            return {"This link cannot be used any more. Opening it now deleted nothing.",
                    "If you already pressed \"Delete my data\" with it, your data was deleted then, and "
                    "there is nothing more to do (a second click or a reload of that page ends here). A link "
                    "also stops working when its record is deleted another way or the email address it was "
                    "sent to changes, and it must be opened whole, as it is in the mail."};
        case core::ErrorKind::gone:
            return {"This deletion link has expired; request a new one.",
                    "For your safety deletion links work for a limited time only. Nothing was deleted. To "
                    "delete your data, ask for a new link where you asked for this one: the app or website "
                    "of the service that keeps your record."};
        default:
            return {"", "Nothing was deleted. Please try again in a few minutes."};
    }
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out.push_back(c);
        }
    }
    return out;
}

const std::string& page_security_policy() {
    static const std::string policy = "default-src 'none'; style-src " + style_hash() +
                                      "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    return policy;
}

Response confirm_page(const core::ErasurePreview& preview) {
    const auto& customer = preview.customer;
    // No name: whoever registered wrote it, and no address is verified at registration, so a
    // name here would put anyone's text (a phishing line, a URL) on our page, reached from our
    // genuine mail. The address is the one the mail went to.
    const core::TimePoint registered{std::chrono::milliseconds(customer.ulid.timestamp_ms())};
    std::string content;
    content += "<p>We received a request to delete your customer record. Confirming deletes the whole "
               "record, permanently: your name, date of birth, nationality, email address and phone "
               "number. The record:</p>\n<dl>\n";
    content += "<dt>Email</dt><dd><bdi>" + html_escape(customer.email) + "</bdi></dd>\n";
    content += "<dt>Registered</dt><dd>" + format_utc(registered) + "</dd>\n";
    content += "<dt>Record</dt><dd>" + customer.ulid.to_string() + "</dd>\n</dl>\n";
    content += "<p>Every access token and pending message tied to it goes too. This cannot be undone.</p>\n";
    content += "<form method=\"post\">\n<button type=\"submit\">Delete my data</button>\n</form>\n";
    content += "<p class=\"note\">This link works until " + format_utc(preview.expires_at) +
               ". If you did not ask for this, close this page: nothing will be deleted.</p>\n";
    return page(200, "Delete your data?", content);
}

Response erased_page() {
    return page(200, "Your data has been deleted",
                "<p>Customer deleted successfully. Your record, its access tokens and any pending mail "
                "are gone. You can close this page.</p>\n");
}

Response used_link_page(core::TimePoint erased_at) {
    // The JSON answer's status for the same link (a used link is an unknown one to the store).
    return page(status_of(core::ErrorKind::not_found), "This link has been used",
                "<p>Your data was deleted with this link at " + format_utc(erased_at) +
                    ": your record, its access tokens and any pending mail are gone. There is nothing more "
                    "to do; you can close this page.</p>\n");
}

Response error_page(const core::Error& error) {
    auto status = status_of(error.kind);
    const auto words = error_words(error);
    const std::string lead = words.lead.empty() ? public_message(error) : std::string(words.lead);
    std::string content =
        "<p>" + html_escape(lead) + "</p>\n<p class=\"note\">" + html_escape(words.note) + "</p>\n";
    auto title = error.kind == core::ErrorKind::gone ? "This link has expired" : "This link cannot be used";
    auto response = page(status, title, content);
    add_error_headers(response, error);
    return response;
}

}  // namespace jambo::http
