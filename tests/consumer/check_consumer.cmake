# Builds the consumer projects against hio's build tree (hio_DIR) and against a fresh
# `cmake --install` prefix (CMAKE_PREFIX_PATH), running each:
#   core/  find_package(hio COMPONENTS core) with Asio and OpenSSL disabled (so the package
#          must not look for them); its compile line must carry no Asio, OpenSSL or llhttp
#          flag or include directory, and `-H` must list no header of theirs;
#   http_sim/  find_package(hio COMPONENTS http sim): HTTP over the simulated network, with
#          Asio and OpenSSL disabled; no Asio or OpenSSL flag or header, as for core/;
#   full/  find_package(hio) and hio::hio: every layer;
#   sim_catch2/  find_package(hio COMPONENTS sim catch2): a user's seed sweep in Catch2 with
#          the installed helper, run passing and with a planted failing seed (when Catch2 was
#          found: HAVE_CATCH2).
# Run by ctest with -P; arguments: HIO_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR CXX_COMPILER
# C_COMPILER.

function(run_step what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "consumer check: ${what} failed (${rc})\n${out}\n${err}")
    endif()
    message(STATUS "consumer check: ${what}: ok")
    set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

run_step("install hio into ${prefix}"
    ${CMAKE_COMMAND} --install "${HIO_BUILD_DIR}" --prefix "${prefix}")

set(consumers core http_sim full)
if(HAVE_CATCH2)
    list(APPEND consumers sim_catch2)
endif()
foreach(consumer IN LISTS consumers)
    foreach(kind build-tree installed)
        if((consumer STREQUAL "http_sim" OR consumer STREQUAL "sim_catch2") AND kind STREQUAL "build-tree")
            continue()  # the installed package is the one users get; once is enough here
        endif()
        if(kind STREQUAL "build-tree")
            set(locate "-Dhio_DIR=${HIO_BUILD_DIR}")
        else()
            set(locate "-DCMAKE_PREFIX_PATH=${prefix}")
        endif()
        set(extra "")
        if(NOT consumer STREQUAL "full")
            set(extra -DCMAKE_DISABLE_FIND_PACKAGE_Asio=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON
                -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
        endif()
        set(build "${WORK_DIR}/${consumer}-${kind}")
        run_step("configure the ${consumer} consumer against the ${kind} package"
            ${CMAKE_COMMAND} -S "${CONSUMER_SOURCE_DIR}/${consumer}" -B "${build}" ${locate} ${extra}
                -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_C_COMPILER=${C_COMPILER}
                -DCMAKE_BUILD_TYPE= "-DCMAKE_CXX_FLAGS=-O0 -g0")  # it checks packaging, not code: build fast
        run_step("build the ${consumer} consumer against the ${kind} package" ${CMAKE_COMMAND} --build "${build}")
        run_step("run the ${consumer} consumer built against the ${kind} package" "${build}/consumer")
        if(consumer STREQUAL "sim_catch2")
            # The planted failure: the sweep stops at seed 4, names it and how to replay it (the
            # compact reporter does not wrap lines).
            execute_process(COMMAND "${build}/consumer" "[.planted]" -r compact RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
            if(rc EQUAL 0)
                message(FATAL_ERROR "consumer check: the planted failure of the sim_catch2 consumer passed\n${out}")
            endif()
            foreach(expected "seed 4 failed (after 3 passing seeds): planted: seed 4 is refused"
                    "options: jitter 0.004" "replay: HIO_SIM_SEED=4 ${build}/consumer \"a planted failure on seed 4\"")
                string(FIND "${out}${err}" "${expected}" found)
                if(found EQUAL -1)
                    message(FATAL_ERROR "consumer check: the planted failure does not say '${expected}':\n${out}${err}")
                endif()
            endforeach()
            # The replay command runs that seed alone, and it fails again.
            set(ENV{HIO_SIM_SEED} 4)
            execute_process(COMMAND "${build}/consumer" "a planted failure on seed 4" -r compact RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
            unset(ENV{HIO_SIM_SEED})
            string(FIND "${out}" "seed 4 failed (after 0 passing seeds)" found)
            if(rc EQUAL 0 OR found EQUAL -1)
                message(FATAL_ERROR "consumer check: HIO_SIM_SEED=4 did not rerun seed 4 alone:\n${out}${err}")
            endif()
            message(STATUS "consumer check: the installed sweep helper reports and replays a failing seed: ok")
        endif()

        if(NOT consumer STREQUAL "full")
            # The compile line: no Asio define, no OpenSSL include directory (nor llhttp's, for
            # the core).
            set(forbidden_flags ASIO openssl)
            set(forbidden_headers "/asio" "/openssl/")
            if(consumer STREQUAL "core")
                list(APPEND forbidden_flags llhttp)
                list(APPEND forbidden_headers "llhttp")
            endif()
            file(READ "${build}/compile_commands.json" commands)
            string(JSON command GET "${commands}" 0 command)
            foreach(forbidden IN LISTS forbidden_flags)
                string(TOLOWER "${command}" lower)
                string(TOLOWER "${forbidden}" needle)
                string(FIND "${lower}" "${needle}" found)
                if(NOT found EQUAL -1)
                    message(FATAL_ERROR "consumer check: the ${consumer} consumer's compile line mentions "
                        "'${forbidden}':\n${command}")
                endif()
            endforeach()
            # The headers reached: none of Asio, OpenSSL or llhttp.
            separate_arguments(arguments UNIX_COMMAND "${command}")
            list(FILTER arguments EXCLUDE REGEX "^-o$|\\.o$|^-c$")
            run_step("list the headers the ${consumer} consumer reaches (-H)"
                ${arguments} -H -fsyntax-only)
            foreach(forbidden IN LISTS forbidden_headers)
                string(FIND "${step_output}" "${forbidden}" found)
                if(NOT found EQUAL -1)
                    message(FATAL_ERROR "consumer check: the ${consumer} consumer reaches a header of "
                        "'${forbidden}':\n${step_output}")
                endif()
            endforeach()
            message(STATUS "consumer check: the ${consumer} consumer reaches none of ${forbidden_headers}")
        endif()
    endforeach()
endforeach()
