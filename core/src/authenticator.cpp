#include <jambo/core/services/authenticator.hpp>

#include "accounts.hpp"
#include "text.hpp"

namespace jambo::core {

Result<Principal> Authenticator::authenticate(Transaction& tx, const Credentials& credentials) const {
    // An account the embedding program vouches for counts as long as it exists, as a token
    // of an erased customer goes with it.
    if (credentials.vouched_for) {
        if (!account_exists(tx, *credentials.vouched_for)) {
            return std::unexpected(Error::unauthenticated(messages::invalid_token));
        }
        return *credentials.vouched_for;
    }
    if (!credentials.authorization) return std::unexpected(Error::unauthenticated(messages::not_provided));
    const std::string_view header = *credentials.authorization;
    const auto token = bearer_credentials(header);
    if (!token) {
        // Another scheme (Basic, ...) carries no credentials for us, as in DRF; a bare
        // "Bearer" is a broken attempt at ours.
        const bool bare_bearer = text::ascii_lower(header.substr(0, header.find(' '))) == "bearer";
        return std::unexpected(Error::unauthenticated(bare_bearer ? messages::invalid_token : messages::not_provided));
    }
    // Malformed tokens are refused before hashing, so junk never reaches the store.
    if (!is_well_formed_bearer_token(*token)) return std::unexpected(Error::unauthenticated(messages::invalid_token));

    // Deleting a customer cascades to its credentials, so a found credential speaks for
    // someone who exists.
    const auto credential = tx.credentials().find(hasher_.hash(*token));
    if (!credential || credential->revoked) return std::unexpected(Error::unauthenticated(messages::invalid_token));
    return credential->principal;
}

}  // namespace jambo::core
