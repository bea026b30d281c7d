# How every Jambo target is compiled: warnings and sanitizers per target, never global flags.

function(jambo_configure_target target)
    # clang < 16 cannot compile libstdc++'s <expected> (no P0848); cmake/compat has a stand-in.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
        target_include_directories(${target} SYSTEM BEFORE PRIVATE "${PROJECT_SOURCE_DIR}/cmake/compat")
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
            -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
        if(JAMBO_WARNINGS_AS_ERRORS)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
        if(JAMBO_SANITIZERS)
            target_compile_options(${target} PRIVATE -fsanitize=${JAMBO_SANITIZERS} -fno-omit-frame-pointer
                -fno-sanitize-recover=all)
            target_link_options(${target} PRIVATE -fsanitize=${JAMBO_SANITIZERS})
        endif()
    endif()
endfunction()

# A library of ours: jambo_<name>, aliased jambo::<name> (and Jambo::<name>, as the design
# documents spell it), exported as <name>.
function(jambo_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
    add_library(jambo_${name} ${ARG_SOURCES})
    add_library(jambo::${name} ALIAS jambo_${name})
    add_library(Jambo::${name} ALIAS jambo_${name})
    set_target_properties(jambo_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
    target_include_directories(jambo_${name} PUBLIC
        "$<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>"
        "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_compile_features(jambo_${name} PUBLIC cxx_std_23)
    jambo_configure_target(jambo_${name})
    set_property(GLOBAL APPEND PROPERTY JAMBO_EXPORTED_TARGETS jambo_${name})
endfunction()

# The Store contract suite: Catch2 v2 test cases any core::Store can be held to, header-only
# (tests/contract/include/jambo/testing/). Defined once, by whichever needs it first: the
# contract tests, the install (JamboInstall.cmake, which exports it as jambo::store_contract),
# or a project that vendors Jambo with add_subdirectory(). Linking it needs Catch2 2.x;
# defining or installing it does not.
function(jambo_add_store_contract)
    if(TARGET jambo_store_contract)
        return()
    endif()
    # This file's folder, not PROJECT_SOURCE_DIR: a project that vendors Jambo may call this too.
    cmake_path(GET CMAKE_CURRENT_FUNCTION_LIST_DIR PARENT_PATH jambo_root)
    add_library(jambo_store_contract INTERFACE)
    add_library(jambo::store_contract ALIAS jambo_store_contract)
    add_library(Jambo::store_contract ALIAS jambo_store_contract)
    set_target_properties(jambo_store_contract PROPERTIES EXPORT_NAME store_contract)
    target_include_directories(jambo_store_contract INTERFACE
        "$<BUILD_INTERFACE:${jambo_root}/tests/contract/include>"
        "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_link_libraries(jambo_store_contract INTERFACE jambo::core Catch2::Catch2)
endfunction()
