#pragma once
/// \file
/// HTTP's grammar in one place: the character classes and list rules of RFC 9110 and RFC
/// 9112, and the authority rule of RFC 3986 that the Host field follows. Internal; the
/// functions applications use (iequals, has_token, trim_blanks, media_type, list_accepts)
/// are named in hio::http by message.hpp. Tested alone (tests/http/grammar_test.cpp), as
/// Beast keeps its rfc7230.hpp.

#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>

#include <hio/detail/ascii.hpp>

namespace hio::http::detail {

using hio::detail::hex_value;

/// RFC 9110 5.6.2: tchar, a character of a token (a method, a field name, a coding).
constexpr bool is_tchar(char c) noexcept {
    return hio::detail::is_alpha(c) || hio::detail::is_digit(c) || std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

/// RFC 9110 5.6.2: a token, one or more tchars. llhttp lets "Host : x" through (a space before
/// the colon), which RFC 9112 5.1 says to refuse: proxies disagree on what it means.
constexpr bool is_http_token(std::string_view text) noexcept {
    if (text.empty())
        return false;
    for (const char c : text)
        if (!is_tchar(c))
            return false;
    return true;
}

/// RFC 3986 2.3: unreserved, a character that never needs escaping.
constexpr bool is_unreserved(char c) noexcept {
    return hio::detail::is_alpha(c) || hio::detail::is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/// RFC 3986 2.2: sub-delims.
constexpr bool is_sub_delim(char c) noexcept { return std::string_view{"!$&'()*+,;="}.find(c) != std::string_view::npos; }

/// True when `a` and `b` are equal ignoring ASCII case (field names, tokens, codings).
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (hio::detail::to_lower(a[i]) != hio::detail::to_lower(b[i]))
            return false;
    return true;
}

/// RFC 9110 5.6.3: `text` without the optional whitespace (spaces, tabs) around it.
constexpr std::string_view trim_blanks(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

/// RFC 9110 5.6.1: calls `fn(item)` for each element of the comma-separated list `list`,
/// blanks trimmed, empty elements skipped; stops early when `fn` returns true. Returns whether
/// it stopped early.
template <class Fn>
constexpr bool for_each_item(std::string_view list, Fn&& fn) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view item = trim_blanks(list.substr(0, comma));
        if (!item.empty() && fn(item))
            return true;
        if (comma == std::string_view::npos)
            break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

/// True when the comma-separated field value `list` holds `token` (ignoring case), as in
/// `Connection: keep-alive, Upgrade`.
constexpr bool has_token(std::string_view list, std::string_view token) {
    return for_each_item(list, [&](std::string_view item) { return iequals(item, token); });
}

/// True when the list holds at least one element and every element is `token` (ignoring
/// case): a Transfer-Encoding that is chunked and nothing else.
constexpr bool only_token(std::string_view list, std::string_view token) {
    bool any = false;
    const bool other = for_each_item(list, [&](std::string_view item) {
        any = true;
        return !iequals(item, token);
    });
    return any && !other;
}

/// The media type of a Content-Type value, without its parameters or the blanks around it:
/// "text/html; charset=utf-8" -> "text/html".
constexpr std::string_view media_type(std::string_view content_type) {
    return trim_blanks(content_type.substr(0, content_type.find(';')));
}

/// True when an element of the comma-separated, q-weighted list `field` (Accept,
/// Accept-Encoding; RFC 9110 12.4.2) satisfies `match` (given the element without its
/// parameters) and is not refused with q=0.
template <class Match>
bool list_accepts(std::string_view field, Match match) {
    return for_each_item(field, [&](std::string_view item) {
        bool refused = false;  // "q=0" (or 0.0): not this one
        if (const std::size_t semicolon = item.find(';'); semicolon != std::string_view::npos) {
            const std::string parameters{item.substr(semicolon)};
            if (const std::size_t q = parameters.find("q="); q != std::string::npos)
                refused = std::strtod(parameters.c_str() + q + 2, nullptr) <= 0.0;
        }
        return !refused && match(media_type(item));
    });
}

/// RFC 9110 7.2 and RFC 3986 3.2.2: a Host field, `host [ ":" port ]`, where host is a
/// reg-name (unreserved, percent-encoded and sub-delims characters), an IPv4 address (a
/// reg-name too) or a bracketed IP literal, and port is digits. Empty is valid (a target
/// without authority). An empty label ("a..b") is refused: no DNS name has one (nor does nginx
/// take it).
constexpr bool valid_host_field(std::string_view value) noexcept {
    std::string_view host = value;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const std::size_t close = host.find(']');
        if (close == std::string_view::npos || close == 1)
            return false;
        for (const char c : host.substr(1, close - 1))
            if (hex_value(c) < 0 && c != ':' && c != '.' && c != 'v' && c != 'V')
                return false;
        const std::string_view rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return false;
        port = rest.empty() ? rest : rest.substr(1);
    } else {
        const std::size_t colon = host.rfind(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon + 1);
            host = host.substr(0, colon);
        }
        if (host.find("..") != std::string_view::npos)
            return false;
        for (std::size_t i = 0; i < host.size(); ++i) {
            const char c = host[i];
            if (c == '%') {
                if (i + 2 >= host.size() || hex_value(host[i + 1]) < 0 || hex_value(host[i + 2]) < 0)
                    return false;
                i += 2;
            } else if (!is_unreserved(c) && !is_sub_delim(c)) {
                return false;
            }
        }
    }
    if (port.size() > 5)
        return false;
    for (const char c : port)
        if (!hio::detail::is_digit(c))
            return false;
    return true;
}

}  // namespace hio::http::detail
