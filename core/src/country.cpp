#include <jambo/core/country.hpp>

#include "country_table.hpp"
#include "text.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

namespace jambo::core {

namespace {

struct Index {
    std::vector<Country> sorted;
    std::unordered_map<std::string, const Country*> by_key;     // folded code or name
    std::unordered_map<std::string_view, const Country*> by_alpha_2;

    Index() : sorted(detail::iso_3166_1.begin(), detail::iso_3166_1.end()) {
        std::ranges::sort(sorted, {}, [](const Country& c) { return text::sort_key(c.display_name()); });
        for (const Country& c : sorted) {
            by_alpha_2.emplace(c.alpha_2, &c);
            for (std::string_view key : {c.alpha_2, c.alpha_3, c.name, c.common_name, c.official_name}) {
                if (!key.empty()) by_key.emplace(text::fold_case(key), &c);
            }
        }
    }
};

const Index& index() {
    static const Index instance;
    return instance;
}

}  // namespace

std::span<const Country> all_countries() { return index().sorted; }

const Country* find_country(std::string_view text) {
    const auto& keys = index().by_key;
    const auto it = keys.find(text::fold_case(text));
    return it == keys.end() ? nullptr : it->second;
}

const Country* country_by_alpha_2(std::string_view code) {
    const auto& codes = index().by_alpha_2;
    const auto it = codes.find(code);
    return it == codes.end() ? nullptr : it->second;
}

}  // namespace jambo::core
