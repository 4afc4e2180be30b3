#pragma once
/// \file
/// Authorization helpers (RFC 7617 Basic, RFC 6750 Bearer): the header values a client sends,
/// and the credentials a handler reads back.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <hio/error.hpp>
#include <hio/http/message.hpp>

namespace hio::http {

/// `bytes` in base64 (RFC 4648, with padding).
inline std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                                static_cast<unsigned char>(bytes[i + 2]);
        out += alphabet[n >> 18];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest != 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (rest == 2)
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out += alphabet[n >> 18];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

/// `text` decoded from base64, or nothing when it is not base64 (padding required).
inline std::optional<std::string> base64_decode(std::string_view text) {
    const auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 != 0)
        return std::nullopt;
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const int pads = last ? (text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0) : 0;
        std::uint32_t n = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const int v = k >= 4 - static_cast<std::size_t>(pads) ? 0 : value(text[i + k]);
            if (v < 0)
                return std::nullopt;
            n = n << 6 | static_cast<std::uint32_t>(v);
        }
        out += static_cast<char>(n >> 16);
        if (pads < 2)
            out += static_cast<char>((n >> 8) & 255);
        if (pads < 1)
            out += static_cast<char>(n & 255);
    }
    return out;
}

/// The Authorization value for HTTP Basic: "Basic base64(user:password)". Throws
/// ValidationError for a user name holding ':' (RFC 7617 2).
inline std::string basic_auth(std::string_view user, std::string_view password) {
    if (user.find(':') != std::string_view::npos)
        throw ValidationError{"http::basic_auth: a user name must not hold ':'"};
    return "Basic " + base64_encode(std::string{user} + ":" + std::string{password});
}

/// The Authorization value for a bearer token: "Bearer TOKEN".
inline std::string bearer_auth(std::string_view token) { return "Bearer " + std::string{token}; }

/// The (user, password) of a request's Basic credentials, or nothing (none, another scheme,
/// or malformed).
inline std::optional<std::pair<std::string, std::string>> basic_credentials(const Request& request) {
    const std::string value = request.headers.value("Authorization");
    if (value.size() < 6 || !iequals(std::string_view{value}.substr(0, 6), "Basic "))
        return std::nullopt;
    const auto decoded = base64_decode(std::string_view{value}.substr(6));
    if (!decoded)
        return std::nullopt;
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

/// A request's bearer token, or nothing.
inline std::optional<std::string> bearer_token(const Request& request) {
    const std::string value = request.headers.value("Authorization");
    if (value.size() < 8 || !iequals(std::string_view{value}.substr(0, 7), "Bearer "))
        return std::nullopt;
    return value.substr(7);
}

}  // namespace hio::http
