# Regenerates a document and fails, with the command to refresh it, if the committed copy differs.
# INPUT may be a list of arguments that come before the output path.
execute_process(COMMAND "${PYTHON}" "${GENERATOR}" ${INPUT} "${FRESH}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "${GENERATOR} failed")
endif()
file(READ "${FRESH}" fresh)
file(READ "${COMMITTED}" committed)
if(NOT fresh STREQUAL committed)
    string(REPLACE ";" " " arguments "${INPUT}")
    message(FATAL_ERROR "${COMMITTED} is out of date; refresh it with:\n  ${PYTHON} ${GENERATOR} ${arguments} ${COMMITTED}")
endif()
