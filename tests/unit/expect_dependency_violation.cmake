# Proves the dependency check bites: run it on a fixture that breaks the rule and require a
# failure that names every offending include, and run it on a clean fixture and require success.
#   cmake -DCHECKER=<script> -DVIOLATING=<dir> -DCLEAN=<dir> -P expect_dependency_violation.cmake
execute_process(COMMAND "${CMAKE_COMMAND}" -DCORE_DIR=${VIOLATING} -P "${CHECKER}"
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(result EQUAL 0)
    message(FATAL_ERROR "the checker accepted a core that includes forbidden headers:\n${out}${err}")
endif()
foreach(expected "boost/json.hpp" "sodium.h" "SQLiteCpp/Database.h" "spdlog/spdlog.h" "fmt/format.h"
                 "curl/curl.h" "CLI/CLI.hpp" "sqlite3.h" "jambo/sqlite/sqlite_store.hpp")
    string(FIND "${err}" "${expected}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "the checker failed but did not name ${expected}:\n${err}")
    endif()
endforeach()
foreach(innocent "jambo/core/ulid.hpp" "<string>" "commented-out")
    string(FIND "${err}" "${innocent}" at)
    if(NOT at EQUAL -1)
        message(FATAL_ERROR "the checker flagged an allowed line (${innocent}):\n${err}")
    endif()
endforeach()

execute_process(COMMAND "${CMAKE_COMMAND}" -DCORE_DIR=${CLEAN} -P "${CHECKER}"
    RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "the checker rejected a clean core:\n${out}${err}")
endif()
message(STATUS "the dependency check rejects forbidden includes and accepts clean code")
