#pragma once
/// Operator use cases behind the command line: staff accounts and tokens.

#include <jambo/core/error.hpp>
#include <jambo/core/ports/clock.hpp>
#include <jambo/core/ports/random_source.hpp>
#include <jambo/core/ports/store.hpp>
#include <jambo/core/ports/token_hasher.hpp>
#include <jambo/core/ulid.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace jambo::core {

/// What restore_carry_over() made hold again in a restored database.
struct CarriedOver {
    std::size_t erased = 0;   ///< customers erased again
    std::size_t revoked = 0;  ///< tokens revoked again, or recorded as revoked (issued after the backup)
    std::size_t mail_not_resent = 0;  ///< queued messages dropped: the replaced database had sent or given them up
};

/// Safe to use from many threads at once. Errors come back as Error; a store failure other
/// than StoreUnavailable is thrown.
class AdminService {
public:
    AdminService(Store& store, const Clock& clock, RandomSource& random, const TokenHasher& hasher,
                 UlidGenerator& ulids);

    /// Creates a staff account and returns its first token. Errors: validation on "email"
    /// (invalid, or a staff account with it exists) and on "name" (too long, control characters, not UTF-8).
    [[nodiscard]] Result<std::string> add_staff(std::string_view email, std::string_view name);
    /// Every staff account, oldest first. Errors: unavailable (the store could not be read).
    [[nodiscard]] Result<std::vector<StaffAccount>> list_staff();
    /// A further token for a customer (by ulid). Errors: not_found.
    [[nodiscard]] Result<std::string> issue_customer_token(std::string_view ulid);
    /// A further token for a staff account (by email). Errors: not_found.
    [[nodiscard]] Result<std::string> issue_staff_token(std::string_view email);
    /// Errors: bad_request if it is not a token's shape at all (a mistyped or cut-off paste),
    /// not_found if the token is unknown or already revoked.
    [[nodiscard]] Result<void> revoke_token(std::string_view token);
    /// Revokes every token of a customer (by ulid) or a staff account (by email) that is not
    /// revoked yet, for the account whose token is lost or leaked but not at hand to revoke;
    /// returns how many. Each is audited as revoke_token audits one. Errors: not_found.
    [[nodiscard]] Result<std::size_t> revoke_customer_tokens(std::string_view ulid);
    [[nodiscard]] Result<std::size_t> revoke_staff_tokens(std::string_view email);
    /// After this store was restored from a backup: the erasures and revocations that
    /// `replaced`, the database the backup replaces, has recorded hold here too. A backup
    /// predates them; without this, customers erased since come back and revoked tokens work
    /// again. Their audit entries are copied here as they were (time and how), those this
    /// store lacks (earlier restores' "database.restored" entries too), and one more
    /// "database.restored" entry records this restore and counts what it made again.
    /// Queued mail that `replaced` has delivered or given up since is dropped, not sent again,
    /// and its record copied here. Errors: unavailable (either store could not be read or
    /// written; nothing was changed here).
    [[nodiscard]] Result<CarriedOver> restore_carry_over(Store& replaced);

private:
    Store& store_;
    const Clock& clock_;
    RandomSource& random_;
    const TokenHasher& hasher_;
    UlidGenerator& ulids_;

    [[nodiscard]] std::string issue(Transaction& tx, const Principal& principal);
    std::size_t revoke_all(Transaction& tx, const Principal& principal);
    [[nodiscard]] CarriedOver carry_over(Store& replaced);
};

}  // namespace jambo::core
