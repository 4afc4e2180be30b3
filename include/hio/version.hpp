#pragma once
/// \file
/// The version of hio-cpp, as macros for the preprocessor and as a string for programs.

/// The major version: incompatible changes (none promised before 1).
#define HIO_VERSION_MAJOR 0
/// The minor version: until 1.0, may break the API (see CHANGELOG.md).
#define HIO_VERSION_MINOR 1
/// The patch version: fixes only.
#define HIO_VERSION_PATCH 0
/// "major.minor.patch".
#define HIO_VERSION_STRING "0.1.0"

namespace hio {

/// The library version, "major.minor.patch"; matches the CMake project version.
inline constexpr const char* version_string = HIO_VERSION_STRING;

}  // namespace hio
