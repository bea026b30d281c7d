#pragma once
// The customer object of contract section 2, in the seed's field order.

#include <jambo/core/customer.hpp>
#include <jambo/core/services/customer_service.hpp>

#include <string>
#include <string_view>

namespace jambo::http {

void append_customer(std::string& out, const core::Customer& customer);
[[nodiscard]] std::string customer_json(const core::Customer& customer);

/// The seed's list shape: count, next, previous, results (an envelope of customers). Links
/// are absolute, built on `public_url`.
[[nodiscard]] std::string page_json(const core::CustomerPage& page, std::string_view public_url);

/// `<public_url>/api/customers` with the cursor's parameters.
[[nodiscard]] std::string page_link(const core::PageCursor& cursor, std::optional<std::uint32_t> page_size,
                                    std::string_view public_url);

}  // namespace jambo::http
