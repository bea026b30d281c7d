#pragma once
// The facts refuse_header judges a parsed header section by, gathered from Beast's parsed
// header; shared by the server and the HTTP fuzz harness, which replays the server's steps.

#include "errors.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace jambo::http {

// One pass over the fields' parsed names: fields::count() compares names as strings, which
// cost every request ~700 instructions for two of them.
[[nodiscard]] inline HeaderFacts header_facts(const boost::beast::http::request_header<>& header) {
    namespace bhttp = boost::beast::http;
    HeaderFacts facts;
    facts.version = header.version();
    facts.target = header.target();
    facts.asterisk_allowed = header.method() == bhttp::verb::options;
    facts.authority_allowed = header.method() == bhttp::verb::connect;
    facts.section_bytes = header.method_string().size() + header.target().size() + 12;  // + " HTTP/1.1\r\n"
    for (const auto& field : header) {
        facts.section_bytes += field.name_string().size() + field.value().size() + 4;  // + ": " and "\r\n"
        switch (field.name()) {
            case bhttp::field::host:
                ++facts.host_fields;
                facts.host = field.value();
                break;
            case bhttp::field::content_type: ++facts.content_type_fields; break;
            case bhttp::field::content_encoding: ++facts.content_encoding_fields; break;
            case bhttp::field::transfer_encoding:
                if (!facts.transfer_encoding.empty()) facts.transfer_encoding += ", ";
                facts.transfer_encoding += field.value();
                break;
            case bhttp::field::connection:
                for (const auto option : bhttp::token_list{field.value()}) {
                    facts.connection_close = facts.connection_close || boost::beast::iequals(option, "close");
                    facts.connection_keep_alive =
                        facts.connection_keep_alive || boost::beast::iequals(option, "keep-alive");
                }
                break;
            default: break;
        }
    }
    return facts;
}

/// Why Beast's parser refused a request.
[[nodiscard]] inline ParseFailure parse_failure(const boost::system::error_code& ec) {
    using bhttp_error = boost::beast::http::error;
    if (ec == bhttp_error::header_limit) return ParseFailure::header_limit;
    if (ec == bhttp_error::body_limit) return ParseFailure::body_limit;
    if (ec == bhttp_error::bad_method || ec == bhttp_error::bad_target) return ParseFailure::bad_request_line;
    if (ec == bhttp_error::bad_version) return ParseFailure::bad_version;
    if (ec == bhttp_error::bad_line_ending) return ParseFailure::bad_line_ending;
    if (ec == bhttp_error::bad_field) return ParseFailure::bad_field;
    if (ec == bhttp_error::bad_obs_fold) return ParseFailure::folded_line;
    if (ec == bhttp_error::bad_value) return ParseFailure::bad_value;
    if (ec == bhttp_error::bad_content_length) return ParseFailure::bad_content_length;
    if (ec == bhttp_error::multiple_content_length) return ParseFailure::disagreeing_content_lengths;
    if (ec == bhttp_error::bad_transfer_encoding) return ParseFailure::bad_transfer_encoding;
    if (ec == bhttp_error::bad_chunk || ec == bhttp_error::bad_chunk_extension) return ParseFailure::bad_chunk;
    return ParseFailure::other;
}

/// Whether the parser read the request line before it stopped: it takes each complete line as
/// it comes, so a refused header's request line and first fields are in the message already.
[[nodiscard]] inline bool request_line_read(const boost::beast::http::request_header<>& header) {
    return !header.target().empty();
}

}  // namespace jambo::http
