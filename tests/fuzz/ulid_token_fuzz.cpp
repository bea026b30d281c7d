// ULIDs, bearer and deletion tokens, Authorization headers and the access log's path
// redaction, on the same bytes.
//
// Checked: a parsed ULID is 26 characters and prints back as the input upper-cased; any 16
// bytes print as a ULID that parses back to them; a well-formed token is exactly what
// make_*_token can produce (canonical base64url of 32 bytes); authenticating with any header
// either names the one customer whose token it is or refuses with 401; and a redacted path
// has no segment longer than a ULID, only API words, ULIDs and [redacted], nothing unprintable,
// at most 256 characters.

#include "fuzz_world.hpp"

#include "access_log.hpp"

#include <jambo/core/services/authenticator.hpp>
#include <jambo/core/token.hpp>
#include <jambo/core/ulid.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

using jambo::fuzz::check;
namespace core = jambo::core;

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string upper(std::string_view text) {
    std::string out(text);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

void ulid(std::string_view input) {
    if (auto parsed = core::Ulid::parse(input)) {
        check(input.size() == 26, "a ULID has 26 characters");
        check(parsed->to_string() == upper(input), "a ULID prints as it was parsed");
        check(parsed->timestamp_ms() < (std::uint64_t{1} << 48), "48-bit time");
    }
    if (input.size() >= 16) {
        core::Ulid::Bytes bytes{};
        std::memcpy(bytes.data(), input.data(), bytes.size());
        core::Ulid made(bytes);
        auto text = made.to_string();
        auto back = core::Ulid::parse(text);
        check(text.size() == 26 && back.has_value() && *back == made, "every ULID round-trips");
    }
}

void token(std::string_view input) {
    if (core::is_well_formed_deletion_token(input)) {
        check(input.size() == 43, "deletion tokens have 43 characters");
        std::array<std::uint8_t, 33> bytes{};
        unsigned acc = 0;
        int bits = 0;
        std::size_t n = 0;
        for (char c : input) {
            auto index = alphabet.find(c);
            check(index != std::string_view::npos, "base64url alphabet");
            acc = (acc << 6) | static_cast<unsigned>(index);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                bytes[n++] = static_cast<std::uint8_t>(acc >> bits);
            }
            acc &= (1U << bits) - 1;
        }
        check(n == 32, "32 bytes");
        check(core::base64url_encode(bytes.data(), 32) == input, "canonical: one spelling per token");
    }
    if (core::is_well_formed_bearer_token(input)) {
        check(input.starts_with("jmb_") && core::is_well_formed_deletion_token(input.substr(4)), "jmb_ + secret");
    }
    auto encoded = core::base64url_encode(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    check(encoded.size() == (input.size() * 4 + 2) / 3, "unpadded base64url length");
    if (input.size() == 32) {
        check(core::is_well_formed_deletion_token(encoded), "32 bytes make a deletion token");
        check(core::is_well_formed_bearer_token("jmb_" + encoded), "and a bearer token");
    }
}

void authorization(std::string_view input) {
    static jambo::fuzz::World world;
    if (auto credentials = core::bearer_credentials(input)) {
        check(!credentials->empty() && credentials->front() != ' ' && credentials->back() != ' ', "trimmed");
        check(input.size() > 7 && upper(input.substr(0, 7)) == "BEARER ", "only the Bearer scheme");
    }
    auto tx = world.store.begin(core::TransactionMode::read);
    core::Authenticator authenticator(world.hasher);
    auto principal = authenticator.authenticate(*tx, core::Credentials{std::string(input)});
    if (principal) {
        check(core::bearer_credentials(input) == world.customer_token ||
                  core::bearer_credentials(input) == world.staff_token,
              "only a real token authenticates");
    } else {
        check(principal.error().kind == core::ErrorKind::unauthenticated, "refusals are 401");
    }
}

void redaction(std::string_view input) {
    auto path = jambo::http::redact_path(input);
    check(path.size() <= 256, "log paths are bounded");
    check(std::ranges::all_of(path, [](char c) { return c > 0x20 && c < 0x7f; }), "printable");
    if (input.empty()) return check(path == "-", "no target is logged as -");
    for (std::size_t start = 0; start <= path.size();) {
        auto slash = std::min(path.find('/', start), path.size());
        check(slash - start <= 26, "no segment longer than a ULID is logged");
        const auto segment = path.substr(start, slash - start);
        const bool cut = slash == path.size() && path.size() == 256;  // the bound may cut the last one
        const bool word = segment.size() <= 16 && std::ranges::all_of(segment, [](char c) {
                              return (c >= 'a' && c <= 'z') || c == '.';
                          });
        check(cut || word || segment == "[redacted]" || core::Ulid::parse(segment).has_value(),
              "only words of the API's paths and ULIDs are logged as they were sent");
        start = slash + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return -1;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    ulid(input);
    token(input);
    authorization(input);
    redaction(input);
    return 0;
}
