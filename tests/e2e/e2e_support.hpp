#pragma once
// What the end-to-end tests share: JSON helpers and a staff-authenticated client.

#include "http_client.hpp"
#include "jambo_process.hpp"

#include <boost/json.hpp>

#include <string>

namespace jambo::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline Headers json_headers(const std::string& token = {}) {
    Headers headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return headers;
}

inline Headers auth(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

inline boost::json::object body_of(const HttpResponse& response) { return boost::json::parse(response.body).as_object(); }

inline std::string text(const boost::json::value& value) { return std::string(value.as_string()); }

inline std::vector<std::string> keys(const boost::json::object& object) {
    std::vector<std::string> out;
    for (const auto& entry : object) out.emplace_back(entry.key());
    return out;
}

inline boost::json::object new_customer(int n) {
    auto suffix = std::to_string(n);
    while (suffix.size() < 4) suffix.insert(0, "0");
    return {{"first_name", "Cynthia"},   {"last_name", "Norris"}, {"middle_name", "Alexander"},
            {"nationality", "Lesotho"},  {"dob", "1912-09-06"},   {"email", "aaron" + suffix + "@example.org"},
            {"phone_number", "07000" + suffix.substr(suffix.size() - 4) + "0"}};
}

/// `jambo staff add` against the server's database; the one line it prints is the token.
inline std::string add_staff(const WorkDir& dir, const std::string& email = "boss@example.org") {
    auto result = run_jambo(dir, {"staff", "add", "--db", dir.db(), "--email", email, "--name", "Boss"});
    if (result.status != 0) throw std::runtime_error("staff add failed: " + result.err);
    auto line = result.out;
    if (line.ends_with('\n')) line.pop_back();
    return line;
}

}  // namespace jambo::testing
