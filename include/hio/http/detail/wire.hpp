#pragma once
/// \file
/// HTTP/1.1 serialisation shared by the server and the client: response and request heads,
/// chunk framing. Internal: used by hio::http::ServerDoer and hio::http::Client.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <hio/http/message.hpp>

namespace hio::http::detail {

/// How a message body is delimited on the wire (RFC 9112 6).
enum class Framing : std::uint8_t {
    whole,        ///< Content-Length of a body held in memory
    length,       ///< Content-Length announced, body streamed
    chunked,      ///< Transfer-Encoding: chunked
    until_close,  ///< no length: the close ends the body (HTTP/1.0 responses)
};

/// What the server decided about a response, beyond the handler's status and fields.
struct ResponseHead {
    Framing framing = Framing::whole;
    /// For Framing::whole and Framing::length: the Content-Length.
    std::uint64_t content_length = 0;
    /// Send `Connection: close` (the connection ends after this response).
    bool close = false;
    /// Send `Connection: keep-alive` (an HTTP/1.0 client that asked for it).
    bool keep_alive_1_0 = false;
    /// The Date field, added unless the handler set one; empty: none.
    std::string_view date{};
    /// The Server field, added unless the handler set one; empty: none.
    std::string_view server{};
    /// Seconds an idle kept-alive connection stays open, advertised as `Keep-Alive: timeout=N`
    /// (RFC 9112 appendix: clients and proxies honour it); unset or with close: not sent.
    std::optional<long> keep_alive_timeout{};
};

/// True for the fields whose meaning is the server's to set (framing and connection
/// management): a handler's values for them are not sent.
inline bool is_framing_field(std::string_view name) noexcept {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection") ||
           iequals(name, "Keep-Alive");
}

/// Appends "name: value\r\n".
inline void write_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
}

/// Appends the status line, the handler's fields (less the framing ones), Date, Server, the
/// framing (none where the status forbids a body) and Connection, then the blank line.
inline void write_response_head(std::string& out, int status, const Headers& headers, const ResponseHead& head) {
    out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(reason_phrase(status)).append("\r\n");
    for (const auto& [name, value] : headers)
        if (!is_framing_field(name))
            write_field(out, name, value);
    if (!head.date.empty() && !headers.has("Date"))
        write_field(out, "Date", head.date);
    if (!head.server.empty() && !headers.has("Server"))
        write_field(out, "Server", head.server);
    if (!status_forbids_body(status)) {
        if (head.framing == Framing::chunked)
            write_field(out, "Transfer-Encoding", "chunked");
        else if (head.framing != Framing::until_close)
            write_field(out, "Content-Length", std::to_string(head.content_length));
    }
    if (head.close) {
        write_field(out, "Connection", "close");
    } else {
        if (head.keep_alive_1_0)
            write_field(out, "Connection", "keep-alive");
        if (head.keep_alive_timeout)
            write_field(out, "Keep-Alive", "timeout=" + std::to_string(*head.keep_alive_timeout));
    }
    out.append("\r\n");
}

/// Appends `data` as one chunk of chunked transfer coding (nothing for empty data, which
/// would end the body).
inline void write_chunk(std::string& out, std::string_view data) {
    if (data.empty())
        return;
    char size[20];
    const int length = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out.append(size, static_cast<std::size_t>(length)).append(data).append("\r\n");
}

/// The last chunk and an empty trailer section: ends a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

/// What the client adds to a request's own fields.
struct RequestHead {
    std::string_view method;
    /// Path and query, as in the request line.
    std::string_view target;
    /// The Host field, added unless the request's fields have one.
    std::string_view host;
    /// The User-Agent field, added unless set; empty: none.
    std::string_view user_agent{};
    /// The Accept-Encoding field, added unless set; empty: none.
    std::string_view accept_encoding{};
    /// Content-Length, when the request has a body (or a method that expects one).
    std::optional<std::size_t> content_length{};
    /// Send `Connection: close`: this is the connection's last request.
    bool close = false;
};

/// Appends the request line, Host, User-Agent, Accept-Encoding, the request's fields, Content-Length and
/// Connection, then the blank line.
inline void write_request_head(std::string& out, const Headers& headers, const RequestHead& head) {
    out.append(head.method).append(" ").append(head.target).append(" HTTP/1.1\r\n");
    if (!headers.has("Host"))
        write_field(out, "Host", head.host);
    if (!head.user_agent.empty() && !headers.has("User-Agent"))
        write_field(out, "User-Agent", head.user_agent);
    if (!head.accept_encoding.empty() && !headers.has("Accept-Encoding"))
        write_field(out, "Accept-Encoding", head.accept_encoding);
    for (const auto& [name, value] : headers)
        if (!(head.close && iequals(name, "Connection")))
            write_field(out, name, value);
    if (head.content_length)
        write_field(out, "Content-Length", std::to_string(*head.content_length));
    if (head.close)
        write_field(out, "Connection", "close");
    out.append("\r\n");
}

}  // namespace hio::http::detail
