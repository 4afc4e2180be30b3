#pragma once
/// \file
/// How an http::Error becomes a response: application/problem+json (RFC 9457) for a client
/// that accepts JSON, plain text otherwise (hio: HTTPError.render).

#include <cstdio>
#include <string>
#include <string_view>

#include <hio/http/error.hpp>
#include <hio/http/message.hpp>

namespace hio::http {

/// `text` as a JSON string literal, quotes included (control characters escaped; bytes of
/// UTF-8 pass through).
inline std::string json_quote(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

/// True when the Accept field `accept` asks for JSON (application/json, application/problem+json,
/// or any +json type) with a q above 0.
inline bool accepts_json(std::string_view accept) {
    return list_accepts(accept, [](std::string_view type) {
        return iequals(type, "application/json") || (type.size() >= 5 && iequals(type.substr(type.size() - 5), "+json"));
    });
}

/// The response for `error` thrown while answering `request`: its status and extra fields,
/// and a body of `application/problem+json` ({"type", "title", "status", "detail", "fault"})
/// when the request accepts JSON, else `text/plain` ("404 Not Found", the title, the detail,
/// one per line).
inline Response render_error(const Error& error, const Request& request) {
    Response response;
    response.status = error.status();
    for (const auto& [name, value] : error.headers())
        response.headers.add(name, value);
    const std::string title = error.title().empty() ? std::string{reason_phrase(error.status())} : error.title();
    if (accepts_json(request.headers.value("Accept"))) {
        response.headers.set("Content-Type", "application/problem+json");
        response.body = "{\"type\": \"about:blank\", \"title\": " + json_quote(title) +
                        ", \"status\": " + std::to_string(error.status());
        if (!error.detail().empty())
            response.body += ", \"detail\": " + json_quote(error.detail());
        if (error.fault())
            response.body += ", \"fault\": " + std::to_string(*error.fault());
        response.body += "}\n";
    } else {
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        response.body = std::to_string(error.status()) + " " + std::string{reason_phrase(error.status())} + "\n";
        if (title != reason_phrase(error.status()))
            response.body += title + "\n";
        if (!error.detail().empty())
            response.body += error.detail() + "\n";
        if (error.fault())
            response.body += "fault " + std::to_string(*error.fault()) + "\n";
    }
    return response;
}

}  // namespace hio::http
