#pragma once
// Whether the account a principal names still exists: a customer may have been erased, and
// an id may name no staff account at all.

#include <jambo/core/ports/store.hpp>
#include <jambo/core/token.hpp>

namespace jambo::core {

inline bool account_exists(Transaction& tx, const Principal& principal) {
    return principal.role == Role::customer ? tx.customers().find(principal.subject).has_value()
                                            : tx.credentials().staff_by_id(principal.subject).has_value();
}

}  // namespace jambo::core
