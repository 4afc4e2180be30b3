# Runs a README program (PROGRAM) and, when the README shows its output (EXPECTED, a file),
# compares standard output byte for byte. Run by ctest with -P.
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} exited with ${rc}\n${out}\n${err}")
endif()
if(EXPECTED)
    file(READ "${EXPECTED}" expected)
    if(NOT out STREQUAL expected)
        message(FATAL_ERROR "${PROGRAM} printed\n${out}\nbut the README says\n${expected}")
    endif()
    message(STATUS "${PROGRAM} printed what the README says")
endif()
