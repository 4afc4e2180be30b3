#pragma once
/// \file
/// ASCII character classes that do not depend on the C locale. Internal.
///
/// Protocols (HTTP's grammar, the wire log's hex) need exact byte classes: <cctype>'s follow
/// the process's locale and take an int that must not be a negative char.

namespace hio::detail {

/// The value of hex digit `c` (either case), or -1.
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// True for 'A'-'Z' and 'a'-'z'.
constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// True for '0'-'9'.
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// `c` in lower case when it is an ASCII letter; other bytes unchanged.
constexpr char to_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace hio::detail
