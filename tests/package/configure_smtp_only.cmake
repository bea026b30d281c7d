# Configures the tree with the server off and JAMBO_BUILD_SMTP on, as an embedder would, and
# reports which of our targets the build has. Boost and CLI11 are made unfindable: the smtp
# adapter must not need them.
file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}" -G "${GENERATOR}"
        -DJAMBO_BUILD_SERVER=OFF -DJAMBO_BUILD_TESTS=OFF -DJAMBO_BUILD_SMTP=ON
        -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "configure failed:\n${out}\n${err}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${WORK_DIR}" --target help OUTPUT_VARIABLE targets)
set(report "")
foreach(target jambo_smtp jambo_http jambo)
    if(targets MATCHES "(^|\n)${target}[:\n]")
        list(APPEND report "${target} yes")
    else()
        list(APPEND report "${target} no")
    endif()
endforeach()
list(JOIN report ", " report)
message("targets: ${report}")
