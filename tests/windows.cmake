# The Windows suite: the tests of the components that exist on Windows (core, sim, http, asio,
# json, gzip), cross-built with MinGW-w64 (cmake/toolchains/mingw-w64.cmake) and run under Wine
# through ctest (the toolchain's CMAKE_CROSSCOMPILING_EMULATOR). Few, large executables, one
# ctest entry each: Wine's start costs a second or so per process, and the cross build is the
# suite's biggest cost (scripts/test.sh gives it about four minutes of the CI run).
if(NOT TARGET Catch2::Catch2WithMain)
    message(FATAL_ERROR "Catch2 not found for the Windows build: install Debian's catch2 package "
        "(the toolchain file links its single header from /usr/include/catch2)")
endif()
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
    message(FATAL_ERROR "The Windows tests run under Wine, which was not found: install wine64 "
        "(bash scripts/install-deps.sh), or configure with -DHIO_BUILD_TESTS=OFF to build only")
endif()

# Wine keeps its state in a prefix: one of the build tree's own, made once before the tests
# (two tests starting Wine on a new prefix at once would both try to make it).
set(HIO_WINEPREFIX "${PROJECT_BINARY_DIR}/wine-prefix")
set(hio_wine_environment "WINEPREFIX=${HIO_WINEPREFIX}" "WINEDEBUG=-all")
add_test(NAME "windows: Wine starts (prefix ${HIO_WINEPREFIX})"
    COMMAND ${CMAKE_COMMAND} -E env ${hio_wine_environment} ${CMAKE_CROSSCOMPILING_EMULATOR} cmd /c exit 0)
set_tests_properties("windows: Wine starts (prefix ${HIO_WINEPREFIX})" PROPERTIES
    FIXTURES_SETUP wine TIMEOUT 120 ENVIRONMENT "${hio_wine_environment}")

# hio_windows_tests(NAME LAYER [SPEC test-spec] sources...)
function(hio_windows_tests name layer)
    cmake_parse_arguments(PARSE_ARGV 2 arg "" "SPEC" "")
    set(ARGN ${arg_UNPARSED_ARGUMENTS})
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE ${layer} hio_warnings Catch2::Catch2WithMain)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    target_compile_options(${name} PRIVATE -O1)
    list(LENGTH ARGN count)
    math(EXPR batch "(${count} + 1) / 2")
    set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${batch})
    add_test(NAME "windows: ${name}" COMMAND ${name} ${arg_SPEC} --warn NoTests --order decl)
    set_tests_properties("windows: ${name}" PROPERTIES
        FIXTURES_REQUIRED wine TIMEOUT 300 ENVIRONMENT "${hio_wine_environment}")
endfunction()

# The scheduler: the hio scenarios and the differential test, same tymes and order as on Linux.
hio_windows_tests(hio_windows_core_tests hio::core ${hio_core_test_sources})

# The simulation (it makes no system call), and HTTP's grammar and messages.
hio_windows_tests(hio_windows_sim_tests hio::sim ${hio_sim_test_sources}
    http/auth_test.cpp
    http/grammar_test.cpp
    http/message_test.cpp
    http/multipart_test.cpp
    http/problem_test.cpp
    http/query_test.cpp
    http/redirect_test.cpp
    http/request_parser_test.cpp
    http/response_parser_test.cpp
    http/url_test.cpp)
target_link_libraries(hio_windows_sim_tests PRIVATE hio::http hio::catch2)
target_compile_definitions(hio_windows_sim_tests PRIVATE HIO_TEST_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")

# Asio's IOCP sockets: hio and Asio in one program, TCP and UDP through Asio, static files.
if(TARGET hio::asio)
    hio_windows_tests(hio_windows_asio_tests hio::asio
        asio/completion_test.cpp
        asio/network_test.cpp
        asio/run_test.cpp)
    target_link_libraries(hio_windows_asio_tests PRIVATE hio::http)

    # The stream and HTTP suites over real sockets (IOCP), as net-asio/ runs them on Linux, but
    # for the tests that start Linux peer programs ([peer]: curl, python3, nc, openssl), which
    # the servers' test below replaces with Linux clients talking to Windows programs.
    hio_windows_tests(hio_windows_net_tests hio::asio SPEC "~[peer]"
        io/stream_client_test.cpp
        io/stream_server_test.cpp
        http/client_test.cpp
        http/router_test.cpp
        http/server_test.cpp
        http/sse_test.cpp
        http/stream_test.cpp)
    target_link_libraries(hio_windows_net_tests PRIVATE hio::http)
    target_compile_definitions(hio_windows_net_tests PRIVATE HIO_TEST_ASIO HIO_TEST_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
    foreach(component json gzip)  # the opt-in HTTP bodies
        if(NOT TARGET hio::${component})
            message(FATAL_ERROR "The Windows suite tests hio::${component}: install nlohmann-json3-dev and "
                "libz-mingw-w64-dev (bash scripts/install-deps.sh)")
        endif()
        target_link_libraries(hio_windows_net_tests PRIVATE hio::${component})
    endforeach()
    target_sources(hio_windows_net_tests PRIVATE http/app_test.cpp http/gzip_test.cpp)
else()
    message(FATAL_ERROR "The Windows suite needs Asio (libasio-dev): the sockets on Windows are Asio's")
endif()

# The servers as Windows programs, serving Linux's nc and curl over loopback from Wine.
if(HIO_BUILD_EXAMPLES)
    add_test(NAME "windows: echo_server.exe and http_server.exe under Wine serve nc and curl, refuse ways out of the root, stop on Ctrl-C"
        COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/examples/windows_servers_test.sh ${PROJECT_BINARY_DIR} ${CMAKE_CROSSCOMPILING_EMULATOR})
    set_tests_properties("windows: echo_server.exe and http_server.exe under Wine serve nc and curl, refuse ways out of the root, stop on Ctrl-C"
        PROPERTIES FIXTURES_REQUIRED wine TIMEOUT 120 ENVIRONMENT "${hio_wine_environment}")
endif()
