# Install the libraries, their headers and a CMake package: find_package(jambo CONFIG)
# gives jambo::core, every adapter that was built and the Store contract suite.
include(CMakePackageConfigHelpers)

set(JAMBO_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/jambo")

# One export set per component, so the package defines only the targets of the components it
# found: a jambo::sqlite whose SQLiteCpp is missing would only fail later, at link time.
function(jambo_export target component)
    install(TARGETS ${target} EXPORT jambo-${component}-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    install(EXPORT jambo-${component}-targets NAMESPACE jambo:: FILE jambo-${component}-targets.cmake
        DESTINATION ${JAMBO_CMAKE_DIR})
    export(EXPORT jambo-${component}-targets NAMESPACE jambo::
        FILE "${PROJECT_BINARY_DIR}/jambo-${component}-targets.cmake")
endfunction()

get_property(jambo_targets GLOBAL PROPERTY JAMBO_EXPORTED_TARGETS)
foreach(target IN LISTS jambo_targets)
    string(REPLACE "jambo_" "" component ${target})
    jambo_export(${target} ${component})
    get_target_property(source_dir ${target} SOURCE_DIR)
    install(DIRECTORY "${source_dir}/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

# The Store contract suite, for embedders who bring their own store (docs/embedding.md). It is
# header-only and needs Catch2 only in a project that links it, so it is installed by default,
# with or without Jambo's own tests; the package finds Catch2 only for COMPONENTS store_contract.
option(JAMBO_INSTALL_STORE_CONTRACT "Install the Store contract suite as jambo::store_contract" ON)
if(JAMBO_INSTALL_STORE_CONTRACT)
    jambo_add_store_contract()
    jambo_export(jambo_store_contract store_contract)
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/tests/contract/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

set(JAMBO_BUILT_COMPONENTS "")
foreach(target IN LISTS jambo_targets)
    string(REPLACE "jambo_" "" component ${target})
    list(APPEND JAMBO_BUILT_COMPONENTS ${component})
endforeach()
if(JAMBO_INSTALL_STORE_CONTRACT)
    list(APPEND JAMBO_BUILT_COMPONENTS store_contract)
endif()
configure_package_config_file(cmake/jambo-config.cmake.in "${PROJECT_BINARY_DIR}/jambo-config.cmake"
    INSTALL_DESTINATION ${JAMBO_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/jambo-config-version.cmake"
    COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/jambo-config.cmake" "${PROJECT_BINARY_DIR}/jambo-config-version.cmake"
    DESTINATION ${JAMBO_CMAKE_DIR})
