#pragma once
/// \file
/// SocketAddress: an IPv4, IPv6 or Unix-domain socket address, as the kernel takes it.

#include <hio/detail/platform.hpp>
#if defined(_WIN32)
#include <afunix.h>  // sockaddr_un (Windows 10 1803 and later)
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hio {

/// A socket address (hio: ha, the (host, port) duple, or a uxd path): IPv4, IPv6 or a
/// Unix-domain path, stored as the kernel takes it, so sending to one costs no conversion.
struct SocketAddress {
    sockaddr_storage storage{};  ///< the sockaddr_in, sockaddr_in6 or sockaddr_un
    socklen_t length = 0;        ///< its length; 0: no address

    /// AF_INET, AF_INET6, AF_UNIX, or AF_UNSPEC for none.
    [[nodiscard]] int family() const noexcept { return storage.ss_family; }
    /// True when it holds an address.
    [[nodiscard]] bool empty() const noexcept { return length == 0; }
    /// For the socket calls.
    [[nodiscard]] const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
    /// For the socket calls.
    [[nodiscard]] sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }

    /// The address for a numeric host ("127.0.0.1", "::1", "[::1]") and port, or false. Names
    /// are not resolved here.
    static bool parse(std::string_view host, std::uint16_t port, SocketAddress& out) noexcept {
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
            host = host.substr(1, host.size() - 2);
        char text[64];
        if (host.size() >= sizeof text)
            return false;
        std::memcpy(text, host.data(), host.size());
        text[host.size()] = '\0';
        out = SocketAddress{};
        auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
        if (::inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(port);
            out.length = sizeof(sockaddr_in);
            return true;
        }
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
        if (::inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(port);
            out.length = sizeof(sockaddr_in6);
            return true;
        }
        return false;
    }

    /// The Unix-domain address of `path` (a file system path, at most 107 bytes, no NUL), or
    /// false.
    static bool unix_path(std::string_view path, SocketAddress& out) noexcept {
        out = SocketAddress{};
        auto* un = reinterpret_cast<sockaddr_un*>(&out.storage);
        if (path.empty() || path.size() >= sizeof un->sun_path || path.find('\0') != std::string_view::npos)
            return false;
        un->sun_family = AF_UNIX;
        std::memcpy(un->sun_path, path.data(), path.size());
        out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
        return true;
    }

    /// "host:port" (brackets around an IPv6 host), the path of a Unix address ("" for an
    /// unnamed one), "?" when unknown.
    [[nodiscard]] std::string text() const {
        char host[INET6_ADDRSTRLEN] = {};
        if (family() == AF_INET) {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
            ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
            return std::string{host} + ":" + std::to_string(ntohs(v4->sin_port));
        }
        if (family() == AF_INET6) {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
            ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
            return "[" + std::string{host} + "]:" + std::to_string(ntohs(v6->sin6_port));
        }
        if (family() == AF_UNIX)
            return path();
        return "?";
    }

    /// The host alone ("127.0.0.1", "::1"); empty for a Unix address.
    [[nodiscard]] std::string host() const {
        char host[INET6_ADDRSTRLEN] = {};
        if (family() == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, host, sizeof host);
        else if (family() == AF_INET6)
            ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, host, sizeof host);
        return host;
    }

    /// The port of an IP address; 0 otherwise.
    [[nodiscard]] std::uint16_t port() const noexcept {
        if (family() == AF_INET)
            return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
        if (family() == AF_INET6)
            return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
        return 0;
    }

    /// The path of a Unix address ("" when unnamed or not Unix).
    [[nodiscard]] std::string path() const {
        if (family() != AF_UNIX)
            return {};
        const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
        const std::size_t offset = offsetof(sockaddr_un, sun_path);
        if (length <= 0 || static_cast<std::size_t>(length) <= offset)
            return {};
        const std::size_t most = static_cast<std::size_t>(length) - offset;
        return std::string{un->sun_path, ::strnlen(un->sun_path, most)};
    }

#if !defined(_WIN32)
    /// The peer (`peer` true) or local address of `fd`; empty when it has none (POSIX).
    static SocketAddress of(int fd, bool peer) noexcept {
        SocketAddress out;
        out.length = sizeof out.storage;
        const int rc = peer ? ::getpeername(fd, out.get(), &out.length) : ::getsockname(fd, out.get(), &out.length);
        if (rc != 0)
            out = SocketAddress{};
        return out;
    }
#endif

    /// Same family, address and port (or path).
    friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
        return a.length == b.length && std::memcmp(&a.storage, &b.storage, static_cast<std::size_t>(a.length)) == 0;
    }
};

}  // namespace hio
