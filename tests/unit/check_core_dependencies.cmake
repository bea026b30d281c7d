# The core's dependency rule: nothing under core/ may include a Boost, SQLite/SQLiteCpp,
# libsodium, curl, CLI11, fmt or spdlog header, nor an adapter's header.
#   cmake -DCORE_DIR=<dir> -P check_core_dependencies.cmake
if(NOT DEFINED CORE_DIR)
    get_filename_component(CORE_DIR "${CMAKE_CURRENT_LIST_DIR}/../../core" ABSOLUTE)
endif()
if(NOT IS_DIRECTORY "${CORE_DIR}")
    message(FATAL_ERROR "check_core_dependencies: ${CORE_DIR} is not a directory")
endif()

set(forbidden
    "boost/"
    "sqlite3"
    "SQLiteCpp/"
    "sodium\\.h"
    "sodium/"
    "curl/"
    "CLI/"
    "fmt/"
    "spdlog/"
    "jambo/(memory|sodium|sqlite|http|smtp|app)/")
list(JOIN forbidden "|" alternatives)
set(include_line "^[ \t]*#[ \t]*include[ \t]*[<\"]")
set(forbidden_include "${include_line}(${alternatives})")

file(GLOB_RECURSE files LIST_DIRECTORIES false "${CORE_DIR}/*")
list(LENGTH files scanned)
if(scanned EQUAL 0)
    message(FATAL_ERROR "check_core_dependencies: no files found under ${CORE_DIR}")
endif()

set(offenders "")
foreach(file IN LISTS files)
    file(STRINGS "${file}" lines REGEX "${include_line}")
    foreach(line IN LISTS lines)
        if(line MATCHES "${forbidden_include}")
            string(STRIP "${line}" line)
            file(RELATIVE_PATH shown "${CORE_DIR}" "${file}")
            list(APPEND offenders "  ${shown}: ${line}")
        endif()
    endforeach()
endforeach()

if(offenders)
    list(JOIN offenders "\n" report)
    message(FATAL_ERROR "The core includes forbidden headers (core depends on the standard library only):\n${report}")
endif()
message(STATUS "check_core_dependencies: ${scanned} files under ${CORE_DIR}, no forbidden includes")
