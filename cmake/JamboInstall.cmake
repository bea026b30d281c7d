# Install the libraries, their headers and a CMake package: find_package(jambo CONFIG)
# gives jambo::core, every adapter that was built and the Store contract suite.
include(CMakePackageConfigHelpers)

get_property(jambo_targets GLOBAL PROPERTY JAMBO_EXPORTED_TARGETS)
install(TARGETS ${jambo_targets} EXPORT jambo-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(target IN LISTS jambo_targets)
    get_target_property(source_dir ${target} SOURCE_DIR)
    install(DIRECTORY "${source_dir}/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

# The Store contract suite, for embedders who bring their own store (docs/embedding.md). It is
# header-only and needs Catch2 only in a project that links it, so it is installed by default,
# with or without Jambo's own tests; the package finds Catch2 only for COMPONENTS store_contract.
option(JAMBO_INSTALL_STORE_CONTRACT "Install the Store contract suite as jambo::store_contract" ON)
if(JAMBO_INSTALL_STORE_CONTRACT)
    jambo_add_store_contract()
    install(TARGETS jambo_store_contract EXPORT jambo-targets)
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/tests/contract/include/" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

set(JAMBO_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/jambo")
install(EXPORT jambo-targets NAMESPACE jambo:: FILE jambo-targets.cmake DESTINATION ${JAMBO_CMAKE_DIR})
export(EXPORT jambo-targets NAMESPACE jambo:: FILE "${PROJECT_BINARY_DIR}/jambo-targets.cmake")

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
