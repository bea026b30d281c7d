#pragma once
// Decoding request bodies and query strings into the core's raw input, without judging the
// values: the core validates. Boost.JSON stays inside codec.cpp.

#include <jambo/core/customer.hpp>
#include <jambo/core/services/customer_service.hpp>
#include <jambo/http/message.hpp>

#include <expected>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace jambo::http {

/// The customer's input fields in the seed's order (its object's, less the ulid): the order of
/// the original's serializer, in which it also reports their errors.
[[nodiscard]] std::span<const std::string_view> customer_field_names();

/// The fields of interest in a body; every other field is ignored.
using RawFields = std::map<std::string, core::RawField, std::less<>>;

/// JSON (an object) or form-encoded body; an empty body has no fields. Duplicate keys: the
/// last one wins, as in the original (Python's json and Django's QueryDict.get).
/// Failure: the 400 or 415 response to send.
[[nodiscard]] std::expected<RawFields, Response> decode_body(const Request& request,
                                                             std::span<const std::string_view> wanted);

[[nodiscard]] std::expected<core::CustomerDraft, Response> decode_customer(const Request& request);

/// The optional `origin` of a deletion request, as sent: the core judges it (null, not a
/// string, not UTF-8), as it does the customer's fields.
[[nodiscard]] std::expected<std::optional<core::RawField>, Response> decode_origin(const Request& request);

/// Query parameters, decoded; the last of repeated keys wins. Never refused: as in the
/// original's framework, a '%' that starts no escape is kept as text, so a bad page number is
/// judged as a page number (404 "Invalid page.") and a parameter nobody reads harms nothing.
/// Form bodies are decoded the same way.
[[nodiscard]] std::map<std::string, std::string, std::less<>> decode_query(std::string_view query);

[[nodiscard]] core::PageRequest decode_page_request(std::string_view query);

}  // namespace jambo::http
