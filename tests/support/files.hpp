// Temporary files for tests, on every platform the tests run on (Linux, Windows under Wine).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#if defined(_WIN32)
#include <process.h>
#else
#include <unistd.h>
#endif

namespace hio_test {

/// A file's whole content.
inline std::string slurp(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// A unique path under the temporary directory ($TMPDIR, else /tmp; Windows: %TEMP%).
inline std::string temp_path(const std::string& name) {
#if defined(_WIN32)
    const std::string dir = std::filesystem::temp_directory_path().string();
    return dir + "\\hio_test_" + std::to_string(::_getpid()) + "_" + name;
#else
    const char* dir = std::getenv("TMPDIR");
    return std::string{dir != nullptr ? dir : "/tmp"} + "/hio_test_" + std::to_string(getpid()) + "_" + name;
#endif
}

}  // namespace hio_test
