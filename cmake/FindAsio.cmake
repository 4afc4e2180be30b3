# FindAsio: standalone (non-Boost) Asio, which is header-only.
#
# Debian's libasio-dev ships headers but no CMake package. This module finds
# <asio.hpp>, reads ASIO_VERSION from <asio/version.hpp> and defines:
#   Asio_FOUND, Asio_VERSION, Asio_INCLUDE_DIR
#   Asio::Asio  INTERFACE target (ASIO_STANDALONE, ASIO_NO_DEPRECATED, Threads)
# Hint: set Asio_ROOT or ASIO_ROOT to a prefix holding include/asio.hpp.

include(FindPackageHandleStandardArgs)

find_path(Asio_INCLUDE_DIR NAMES asio.hpp
    HINTS ${ASIO_ROOT} ENV ASIO_ROOT
    PATH_SUFFIXES include asio/include)

if(Asio_INCLUDE_DIR AND EXISTS "${Asio_INCLUDE_DIR}/asio/version.hpp")
    file(STRINGS "${Asio_INCLUDE_DIR}/asio/version.hpp" _asio_version_line
        REGEX "^#define ASIO_VERSION [0-9]+")
    string(REGEX REPLACE "^#define ASIO_VERSION ([0-9]+).*" "\\1" _asio_v "${_asio_version_line}")
    # ASIO_VERSION is major * 100000 + minor * 100 + patch.
    math(EXPR _asio_major "${_asio_v} / 100000")
    math(EXPR _asio_minor "${_asio_v} / 100 % 1000")
    math(EXPR _asio_patch "${_asio_v} % 100")
    set(Asio_VERSION "${_asio_major}.${_asio_minor}.${_asio_patch}")
    unset(_asio_version_line)
    unset(_asio_v)
endif()

find_package_handle_standard_args(Asio
    REQUIRED_VARS Asio_INCLUDE_DIR
    VERSION_VAR Asio_VERSION)

if(Asio_FOUND AND NOT TARGET Asio::Asio)
    if(NOT TARGET Threads::Threads)
        find_package(Threads REQUIRED)
    endif()
    add_library(Asio::Asio INTERFACE IMPORTED)
    set_target_properties(Asio::Asio PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${Asio_INCLUDE_DIR}"
        INTERFACE_COMPILE_DEFINITIONS "ASIO_STANDALONE;ASIO_NO_DEPRECATED"
        INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()

mark_as_advanced(Asio_INCLUDE_DIR)
