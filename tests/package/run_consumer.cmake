# Steps of the package test; any failure stops with the tool's output.
function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
    endif()
    set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")

# The installed libraries carry the build's sanitizers; the consumer must link the same runtime.
set(flags "")
if(SANITIZERS)
    set(flags "-fsanitize=${SANITIZERS}")
endif()
# The build's compiler launcher (ccache in the presets) too: the same consumer is rebuilt on
# every run, and the contract suite alone takes a minute to compile.
run("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE}" -B "${WORK_DIR}/build" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_CXX_FLAGS=${flags}" -DCMAKE_BUILD_TYPE=Debug
    "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build")
if(DRIVER)
    # A program that serves until stopped: the driver runs it and plays its client.
    run(/usr/bin/python3 "${DRIVER}" "${WORK_DIR}/build/${EXECUTABLE}" "${WORK_DIR}")
else()
    run("${WORK_DIR}/build/${EXECUTABLE}" ${ARGUMENTS})
endif()
message("${last_output}")
