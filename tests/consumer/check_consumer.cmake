# Builds the consumer projects against hio's build tree (hio_DIR) and against a fresh
# `cmake --install` prefix (CMAKE_PREFIX_PATH), running each:
#   core/  find_package(hio COMPONENTS core) with Asio and OpenSSL disabled (so the package
#          must not look for them); its compile line must carry no Asio, OpenSSL or llhttp
#          flag or include directory, and `-H` must list no header of theirs;
#   http_sim/  find_package(hio COMPONENTS http sim): HTTP over the simulated network, with
#          Asio and OpenSSL disabled; no Asio or OpenSSL flag or header, as for core/;
#   full/  find_package(hio) and hio::hio: every layer.
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

foreach(consumer core http_sim full)
    foreach(kind build-tree installed)
        if(consumer STREQUAL "http_sim" AND kind STREQUAL "build-tree")
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
