#pragma once
// What the end-to-end tests share: JSON helpers and a staff-authenticated client.

#include "http_client.hpp"
#include "jambo_process.hpp"

#include <boost/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
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

// A loopback port nothing listens on: an SMTP server that is down.
inline std::uint16_t closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    ::close(fd);
    return ntohs(address.sin_port);
}

}  // namespace jambo::testing
