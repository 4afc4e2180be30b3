#pragma once
/// \file
/// What hio's Ogler and Filer share of hio's directory rule: the home directory of the
/// fallback, and unique names for temporary directories. Internal: may change any day.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace hio::detail {

/// $HOME (%USERPROFILE% on Windows without one), or "." when neither is set.
inline std::filesystem::path home_directory() {
    const char* home = std::getenv("HOME");
#if defined(_WIN32)
    if (home == nullptr)
        home = std::getenv("USERPROFILE");
#endif
    return home != nullptr ? home : ".";
}

/// `prefix`, eight random letters and digits, `suffix` ("hio_x3k9q0ab_test"): a name for a new
/// temporary directory, different in each call of the process.
inline std::string unique_name(const std::string& prefix, const std::string& suffix) {
    static std::atomic<std::uint64_t> counter{0};
    std::uint64_t x = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                      (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL);
    std::string out = prefix;
    for (int i = 0; i < 8; ++i, x /= 36)
        out += "abcdefghijklmnopqrstuvwxyz0123456789"[x % 36];
    return out + suffix;
}

}  // namespace hio::detail
