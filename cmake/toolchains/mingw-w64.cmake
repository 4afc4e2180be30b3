# Cross-compiles hio-cpp for 64-bit Windows with Debian's MinGW-w64 (posix threads, for
# std::thread and std::mutex) and runs what it builds under Wine:
#
#   cmake -S . -B build/windows --toolchain cmake/toolchains/mingw-w64.cmake
#   cmake --build build/windows -j2 && ctest --test-dir build/windows
#
# Packages: g++-mingw-w64-x86-64-posix, wine64, libz-mingw-w64-dev (scripts/install-deps.sh).
# Executables are linked statically: no libstdc++-6.dll or libwinpthread-1.dll beside them.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER   x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER  x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)  # the host's CMake packages name /usr/include
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
set(ZLIB_USE_STATIC_LIBS ON)  # libz.a, not the import library of zlib1.dll

# Debian 12 puts the 64-bit loader here; /usr/bin/wine is a wrapper that wants wine32 too.
find_program(HIO_WINE64 NAMES wine64 PATHS /usr/lib/wine NO_DEFAULT_PATH)
if(HIO_WINE64)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${HIO_WINE64})
endif()

# The header-only libraries hio uses (Asio, Catch2, nlohmann/json) are the host's: Debian
# installs them in /usr/include, beside glibc's headers, which must not shadow MinGW's. A
# directory of links to them alone is what the Windows build searches instead; llhttp's
# header and C sources sit apart already.
if(NOT DEFINED HIO_HOST_HEADERS)
    set(HIO_HOST_HEADERS "${CMAKE_BINARY_DIR}/host-headers" CACHE PATH
        "Links to the host's header-only libraries (Asio, Catch2, nlohmann/json) for the cross build")
endif()
foreach(entry asio.hpp asio catch2 nlohmann)
    if(EXISTS "/usr/include/${entry}" AND NOT EXISTS "${HIO_HOST_HEADERS}/${entry}")
        file(MAKE_DIRECTORY "${HIO_HOST_HEADERS}")
        file(CREATE_LINK "/usr/include/${entry}" "${HIO_HOST_HEADERS}/${entry}" SYMBOLIC)
    endif()
endforeach()
set(Asio_INCLUDE_DIR "${HIO_HOST_HEADERS}" CACHE PATH "")
set(LLHTTP_INCLUDE_DIR /usr/share/include/llhttp CACHE PATH "")
set(LLHTTP_SOURCE_DIR /usr/share/llhttp CACHE PATH "")
