# FindLlhttp: llhttp, the HTTP/1.1 parser of Node.js, as C sources.
#
# Debian's node-llhttp ships no library, only sources in /usr/share/llhttp
# (api.c, http.c, llhttp.c) and the header in /usr/share/include/llhttp.
# This module finds them and defines:
#   Llhttp_FOUND, Llhttp_VERSION, LLHTTP_INCLUDE_DIR, LLHTTP_SOURCES
# The project builds LLHTTP_SOURCES into its own static target (hio::llhttp).
# Hint: set LLHTTP_ROOT to a prefix holding include/llhttp.h and src/*.c
# (the layout of an llhttp release tarball).

include(FindPackageHandleStandardArgs)

find_path(LLHTTP_INCLUDE_DIR NAMES llhttp.h
    HINTS ${LLHTTP_ROOT} ENV LLHTTP_ROOT
    PATHS /usr/share/include/llhttp /usr/local/share/include/llhttp
    PATH_SUFFIXES include include/llhttp)

find_path(LLHTTP_SOURCE_DIR NAMES llhttp.c api.c http.c
    HINTS ${LLHTTP_ROOT} ENV LLHTTP_ROOT
    PATHS /usr/share/llhttp /usr/local/share/llhttp
    PATH_SUFFIXES src)

if(LLHTTP_SOURCE_DIR)
    set(LLHTTP_SOURCES
        "${LLHTTP_SOURCE_DIR}/api.c"
        "${LLHTTP_SOURCE_DIR}/http.c"
        "${LLHTTP_SOURCE_DIR}/llhttp.c")
endif()

if(LLHTTP_INCLUDE_DIR AND EXISTS "${LLHTTP_INCLUDE_DIR}/llhttp.h")
    file(STRINGS "${LLHTTP_INCLUDE_DIR}/llhttp.h" _llhttp_lines
        REGEX "^#define LLHTTP_VERSION_(MAJOR|MINOR|PATCH) [0-9]+")
    foreach(_part MAJOR MINOR PATCH)
        string(REGEX REPLACE ".*#define LLHTTP_VERSION_${_part} ([0-9]+).*" "\\1"
            _llhttp_${_part} "${_llhttp_lines}")
    endforeach()
    set(Llhttp_VERSION "${_llhttp_MAJOR}.${_llhttp_MINOR}.${_llhttp_PATCH}")
    unset(_llhttp_lines)
endif()

find_package_handle_standard_args(Llhttp
    REQUIRED_VARS LLHTTP_INCLUDE_DIR LLHTTP_SOURCE_DIR
    VERSION_VAR Llhttp_VERSION)

mark_as_advanced(LLHTTP_INCLUDE_DIR LLHTTP_SOURCE_DIR)
