#pragma once
/// The settings the use cases decide with (contract section 7), already parsed.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jambo::core {

/// The span the deletion-request limits count over (Policy::deletion_requests_per_hour): the
/// tokens issued in it. Whoever purges expired deletion tokens keeps them at least this long.
inline constexpr std::chrono::hours deletion_request_window{1};

struct Policy {
    std::string public_url = "http://localhost:8000";  ///< normalised: no trailing '/'
    std::vector<std::string> allowed_origins{};       ///< normalised; empty means public_url's origin
    std::string default_calling_code = "254";
    std::chrono::seconds deletion_token_ttl{3600};
    std::uint32_t deletion_requests_per_hour = 3;  ///< accepted deletion requests per customer record
    /// Deletion mails to one address per hour, from whichever records ask. Addresses are not
    /// verified, so it bounds the mail anyone can have sent to another person's mailbox by
    /// registering record after record with it. Unset (the default): no such limit, as the
    /// contract has none: with one, a new record at an address mailed often enough in the
    /// last hour is refused its first request, which the contract promises to accept.
    std::optional<std::uint32_t> deletion_mails_per_address_per_hour{};
    std::uint32_t default_page_size = 50;
    std::uint32_t max_page_size = 100;
};

/// The policy with public_url and allowed_origins in the form the use cases build links with
/// and compare against: the URL without trailing '/', each origin as normalise_origin gives it
/// (one that is not an origin is kept as written, and no request can match it). The services
/// apply it to the Policy they are given, so an embedder may write either form. Throws
/// std::invalid_argument, naming the field, for a page size, an hourly allowance or a link
/// lifetime of zero (or below): no request could be answered with them.
[[nodiscard]] Policy normalised(Policy policy);

/// Normalises an origin for comparison and for building links: scheme and host lower-cased,
/// one trailing '/' dropped. Returns nullopt unless it is `scheme://host[:port]` with an
/// http or https scheme, a non-empty host, a port (if any) from 1 to 65535 and nothing after it
/// (no user info, path, query or fragment).
[[nodiscard]] std::optional<std::string> normalise_origin(std::string_view origin);

/// The origin (`scheme://host[:port]`, normalised) of an http or https URL, whatever path,
/// query or fragment follows; nullopt when the URL has no such origin.
[[nodiscard]] std::optional<std::string> origin_of_url(std::string_view url);

/// The path of a URL, without its query or fragment ("https://x.example/crm" gives "/crm");
/// "" when it has none.
[[nodiscard]] std::string path_of_url(std::string_view url);

/// Parses a duration like "90s", "10m", "2h", "1d" or plain seconds "3600"; must be > 0.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace jambo::core
