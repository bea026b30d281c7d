#pragma once
// The facts refuse_header judges a parsed header section by, gathered from Beast's parsed
// header; shared by the server and the HTTP fuzz harness, which replays the server's steps.

#include "errors.hpp"

#include <boost/beast/http/message.hpp>

namespace jambo::http {

// One pass over the fields' parsed names: fields::count() compares names as strings, which
// cost every request ~700 instructions for two of them.
[[nodiscard]] inline HeaderFacts header_facts(const boost::beast::http::request_header<>& header) {
    namespace bhttp = boost::beast::http;
    HeaderFacts facts;
    facts.version = header.version();
    facts.section_bytes = header.method_string().size() + header.target().size() + 12;  // + " HTTP/1.1\r\n"
    for (const auto& field : header) {
        facts.section_bytes += field.name_string().size() + field.value().size() + 4;  // + ": " and "\r\n"
        switch (field.name()) {
            case bhttp::field::host:
                ++facts.host_fields;
                facts.host = field.value();
                break;
            case bhttp::field::authorization: ++facts.authorization_fields; break;
            case bhttp::field::transfer_encoding:
                if (!facts.transfer_encoding.empty()) facts.transfer_encoding += ", ";
                facts.transfer_encoding += field.value();
                break;
            default: break;
        }
    }
    return facts;
}

}  // namespace jambo::http
