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

# A library of ours: jambo_<name>, aliased jambo::<name>, exported as <name>.
function(jambo_add_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
    add_library(jambo_${name} ${ARG_SOURCES})
    add_library(jambo::${name} ALIAS jambo_${name})
    set_target_properties(jambo_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
    target_include_directories(jambo_${name} PUBLIC
        "$<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>"
        "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_compile_features(jambo_${name} PUBLIC cxx_std_23)
    jambo_configure_target(jambo_${name})
    set_property(GLOBAL APPEND PROPERTY JAMBO_EXPORTED_TARGETS jambo_${name})
endfunction()
