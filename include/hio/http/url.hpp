#pragma once
/// \file
/// Url: the parts of an http or https URL a client uses, parsing and reference resolution
/// (RFC 3986) for redirects (hio: the URL handling in clienting.Requester).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <hio/detail/ascii.hpp>
#include <hio/error.hpp>

namespace hio::http {

/// The parts of an http or https URL the client uses.
struct Url {
    std::string scheme;  ///< "http" or "https"
    std::string host;    ///< a name, an IPv4 address or an IPv6 address without brackets
    std::uint16_t port = 0;  ///< the port; 80 or 443 when the URL names none
    std::string target;  ///< path and query, as sent in the request line: "/a/b?x=1"

    /// "scheme://host:port", the key of a connection.
    [[nodiscard]] std::string origin() const { return scheme + "://" + authority(true); }
    /// The Host field: the host (bracketed if IPv6) and the port when not the default.
    [[nodiscard]] std::string authority(bool with_port = false) const {
        std::string text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        if (with_port || port != (scheme == "https" ? 443 : 80))
            text += ":" + std::to_string(port);
        return text;
    }
    /// The URL as text: "scheme://authority/target" (no fragment).
    [[nodiscard]] std::string text() const { return scheme + "://" + authority() + target; }

    /// Parses "http[s]://host[:port][/path][?query][#fragment]". Throws ValidationError naming
    /// the URL for anything else (another scheme, user info, a bad port, no host).
    static Url parse(std::string_view url) {
        const auto bad = [&](const std::string& why) {
            return ValidationError{"http::Url: " + why + ": \"" + std::string{url} + "\""};
        };
        Url parsed;
        const std::size_t colon = url.find("://");
        if (colon == std::string_view::npos)
            throw bad("not an absolute http or https URL");
        parsed.scheme = std::string{url.substr(0, colon)};
        for (char& c : parsed.scheme)
            c = hio::detail::to_lower(c);
        if (parsed.scheme != "http" && parsed.scheme != "https")
            throw bad("the scheme must be http or https");
        std::string_view rest = url.substr(colon + 3);
        const std::size_t end = rest.find_first_of("/?#");
        std::string_view authority = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        if (authority.find('@') != std::string_view::npos)
            throw bad("user info in URLs is not supported");
        std::string_view port;
        if (!authority.empty() && authority.front() == '[') {
            const std::size_t close = authority.find(']');
            if (close == std::string_view::npos)
                throw bad("unclosed IPv6 bracket");
            parsed.host = std::string{authority.substr(1, close - 1)};
            const std::string_view after = authority.substr(close + 1);
            if (!after.empty() && after.front() != ':')
                throw bad("junk after the IPv6 address");
            port = after.empty() ? after : after.substr(1);
        } else {
            const std::size_t at = authority.rfind(':');
            parsed.host = std::string{authority.substr(0, at)};
            port = at == std::string_view::npos ? std::string_view{} : authority.substr(at + 1);
        }
        if (parsed.host.empty())
            throw bad("no host");
        if (parsed.host.find_first_of(" \t\r\n/\\%") != std::string::npos)
            throw bad("a bad character in the host");
        parsed.port = parsed.scheme == "https" ? 443 : 80;
        if (!port.empty()) {
            if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
                std::stoul(std::string{port}) == 0 || std::stoul(std::string{port}) > 65535)
                throw bad("the port must be 1-65535");
            parsed.port = static_cast<std::uint16_t>(std::stoul(std::string{port}));
        }
        rest = rest.substr(0, rest.find('#'));
        parsed.target = rest.empty() || rest.front() != '/' ? "/" + std::string{rest} : std::string{rest};
        if (parsed.target.find_first_of(std::string_view{" \t\r\n\0", 5}) != std::string::npos)
            throw bad("whitespace or a control character in the path");
        return parsed;
    }

    /// `location` (a Location field) resolved against this URL (RFC 3986 5.2): absolute,
    /// scheme-relative ("//host/p"), absolute-path ("/p"), query-only ("?q"), empty or
    /// relative ("p", against this path's directory); dot segments are removed.
    [[nodiscard]] Url resolve(std::string_view location) const {
        if (has_scheme(location))
            return parse(location);
        if (location.starts_with("//"))
            return parse(scheme + ":" + std::string{location});
        location = location.substr(0, location.find('#'));
        const std::string path = target.substr(0, target.find('?'));
        std::string next;
        if (location.empty())
            next = target;
        else if (location.front() == '?')
            next = path + std::string{location};
        else if (location.front() == '/')
            next = std::string{location};
        else
            next = path.substr(0, path.rfind('/') + 1) + std::string{location};
        const std::size_t query = next.find('?');
        next = without_dot_segments(std::string_view{next}.substr(0, query)) +
               (query == std::string::npos ? std::string{} : next.substr(query));
        return parse(scheme + "://" + authority(true) + next);
    }

    /// True when `reference` starts with a scheme: ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":".
    static bool has_scheme(std::string_view reference) noexcept {
        const std::size_t colon = reference.find(':');
        if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(reference[0])))
            return false;
        for (const char c : reference.substr(0, colon))
            if (!hio::detail::is_alpha(c) && !hio::detail::is_digit(c) && c != '+' && c != '-' && c != '.')
                return false;
        return true;
    }

    /// `path` with "." and ".." segments applied (RFC 3986 5.2.4): "/a/b/../c/./d" -> "/a/c/d".
    static std::string without_dot_segments(std::string_view path) {
        std::string out;
        while (!path.empty()) {
            const std::size_t slash = path.find('/', 1);
            const std::string_view segment = path.substr(0, slash);  // "/name", or the last
            path.remove_prefix(segment.size());
            if (segment == "/." || segment == "/..") {
                if (segment == "/..")
                    out.erase(std::min(out.size(), out.rfind('/')));
                if (path.empty())
                    out += '/';
            } else {
                out += segment;
            }
        }
        return out.empty() ? "/" : out;
    }
};

}  // namespace hio::http
