#include "customer_json.hpp"

#include "json_writer.hpp"

namespace jambo::http {

void append_customer(std::string& out, const core::Customer& customer) {
    out += R"({"ulid":")";
    const auto ulid = customer.ulid.text();
    out.append(ulid.data(), ulid.size());
    out += R"(","first_name":)";
    append_json_string(out, customer.first_name);
    out += R"(,"last_name":)";
    append_json_string(out, customer.last_name);
    out += R"(,"middle_name":)";
    append_json_string(out, customer.middle_name);
    out += R"(,"nationality":)";
    append_json_string(out, customer.nationality_name());
    out += R"(,"dob":")";
    out += customer.dob_text();
    out += R"(","email":)";
    append_json_string(out, customer.email);
    out += R"(,"phone_number":)";
    append_json_string(out, customer.phone_number);
    out += '}';
}

std::string customer_json(const core::Customer& customer) {
    std::string out;
    out.reserve(256);
    append_customer(out, customer);
    return out;
}

std::string page_link(const core::PageCursor& cursor, std::optional<std::uint32_t> page_size,
                      std::string_view public_url) {
    std::string link(public_url);
    link += "/api/customers";
    char separator = '?';
    auto add = [&](std::string_view name, const std::string& value) {
        link += separator;
        link += name;
        link += '=';
        link += value;
        separator = '&';
    };
    if (const auto* page = std::get_if<std::uint64_t>(&cursor.position)) {
        // DRF's previous link of page 2 drops `page` rather than saying page=1.
        if (*page != 1) add("page", std::to_string(*page));
    } else {
        add("after", std::get<core::Ulid>(cursor.position).to_string());
    }
    if (page_size) add("page_size", std::to_string(*page_size));
    return link;
}

std::string page_json(const core::CustomerPage& page, std::string_view public_url) {
    std::string out;
    out.reserve(128 + page.customers.size() * 256);
    out += R"({"count":)";
    out += std::to_string(page.count);
    auto link = [&](const std::optional<core::PageCursor>& cursor) {
        if (cursor) {
            append_json_string(out, page_link(*cursor, page.page_size_param, public_url));
        } else {
            out += "null";
        }
    };
    out += R"(,"next":)";
    link(page.next);
    out += R"(,"previous":)";
    link(page.previous);
    out += R"(,"results":{"statusCode":200,"body":[)";
    for (std::size_t i = 0; i < page.customers.size(); ++i) {
        if (i > 0) out += ',';
        append_customer(out, page.customers[i]);
    }
    out += "]}}";
    return out;
}

}  // namespace jambo::http
