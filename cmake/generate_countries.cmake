# Turns iso-codes' iso_3166-1.json into a C++ table, so the server needs no data file at run time.
# Usage: cmake -DINPUT=iso_3166-1.json -DOUTPUT=countries_table.cpp -P generate_countries.cmake

file(READ "${INPUT}" json)
string(JSON count LENGTH "${json}" "3166-1")
if(NOT count EQUAL 249)
    message(FATAL_ERROR "expected 249 countries in ${INPUT}, found ${count}")
endif()

# A C++ raw string literal keeps names like "Côte d'Ivoire" intact without escaping.
function(optional_member out index member)
    string(JSON value ERROR_VARIABLE missing GET "${json}" "3166-1" ${index} ${member})
    if(missing)
        set(value "")
    endif()
    set(${out} "R\"(${value})\"" PARENT_SCOPE)
endfunction()

set(rows "")
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
    optional_member(alpha_2 ${i} alpha_2)
    optional_member(alpha_3 ${i} alpha_3)
    optional_member(name ${i} name)
    optional_member(common ${i} common_name)
    optional_member(official ${i} official_name)
    string(APPEND rows "    {${alpha_2}, ${alpha_3}, ${name}, ${common}, ${official}},\n")
endforeach()

file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by cmake/generate_countries.cmake. Do not edit.
#include \"country_table.hpp\"

namespace jambo::core::detail {

const std::array<Country, ${count}> iso_3166_1 = {{
${rows}}};

}  // namespace jambo::core::detail
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
