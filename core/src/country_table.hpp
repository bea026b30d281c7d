#pragma once
// The generated table (iso-codes order); country.cpp builds the sorted and indexed views.

#include <jambo/core/country.hpp>

#include <array>

namespace jambo::core::detail {
extern const std::array<Country, 249> iso_3166_1;
}
