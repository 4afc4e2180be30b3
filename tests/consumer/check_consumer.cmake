# Builds tests/consumer twice: against hio's build tree (hio_DIR) and against
# a fresh `cmake --install` prefix (CMAKE_PREFIX_PATH), running it each time.
# Run by ctest with -P; arguments: HIO_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR
# CXX_COMPILER C_COMPILER.

function(run_step what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "consumer check: ${what} failed (${rc})\n${out}\n${err}")
    endif()
    message(STATUS "consumer check: ${what}: ok")
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

run_step("install hio into ${prefix}"
    ${CMAKE_COMMAND} --install "${HIO_BUILD_DIR}" --prefix "${prefix}")

foreach(kind build-tree installed)
    if(kind STREQUAL "build-tree")
        set(locate "-Dhio_DIR=${HIO_BUILD_DIR}")
    else()
        set(locate "-DCMAKE_PREFIX_PATH=${prefix}")
    endif()
    set(build "${WORK_DIR}/${kind}")
    run_step("configure against the ${kind} package"
        ${CMAKE_COMMAND} -S "${CONSUMER_SOURCE_DIR}" -B "${build}" ${locate}
            -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_C_COMPILER=${C_COMPILER}
            -DCMAKE_BUILD_TYPE=Release)
    run_step("build against the ${kind} package" ${CMAKE_COMMAND} --build "${build}")
    run_step("run the consumer built against the ${kind} package" "${build}/consumer")
endforeach()
