#pragma once
/// \file
/// JSON bodies through nlohmann/json (Debian nlohmann-json3-dev), opt-in: only programs that
/// include this header need it (CMake component json, target hio::json).
///
/// ```
/// router.post("/items", [](const Request& request, Response& response, const RouteMatch&) {
///     const nlohmann::json item = hio::http::json(request);   // malformed: a 400 says why
///     hio::http::set_json(response, {{"id", 7}, {"name", item.at("name")}}, 201);
/// });
/// client.request(hio::http::json_request("POST", "http://127.0.0.1:8080/items", {{"name", "a"}}));
/// ```

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <hio/error.hpp>
#include <hio/http/error.hpp>
#include <hio/http/message.hpp>

namespace hio::http {

/// True when Content-Type `type` is JSON (application/json or any +json type), or absent.
inline bool json_content_type(std::string_view type) {
    const std::string_view trimmed = media_type(type);
    return trimmed.empty() || iequals(trimmed, "application/json") ||
           (trimmed.size() >= 5 && iequals(trimmed.substr(trimmed.size() - 5), "+json"));
}

/// The request's body as JSON (hio: the request's parsed `json`). Throws http::Error 400 for
/// malformed JSON (the detail says where, from the parser) and 415 for a body that says it is
/// not JSON, so a handler that lets them go answers the client, never with a bare 500.
inline nlohmann::json json(const Request& request) {
    const std::string type = request.headers.value("Content-Type");
    if (!json_content_type(type))
        throw Error{415, "Unsupported Media Type", "expected application/json, got '" + type + "'"};
    try {
        return nlohmann::json::parse(request.body);
    } catch (const nlohmann::json::parse_error& error) {
        throw Error{400, "Malformed JSON", error.what()};
    }
}

/// Sets `response` to `value` as JSON (Content-Type application/json), with `status`.
inline void set_json(Response& response, const nlohmann::json& value, int status = 200) {
    response.status = status;
    response.headers.set("Content-Type", "application/json");
    response.body = value.dump();
}

/// A client response's body as JSON. Throws hio::ValidationError naming the URL for a failed
/// request or malformed JSON.
inline nlohmann::json json(const ClientResponse& response) {
    if (!response.ok())
        throw ValidationError{"http::json: no response from " + response.url + ": " + response.message};
    try {
        return nlohmann::json::parse(response.body);
    } catch (const nlohmann::json::parse_error& error) {
        throw ValidationError{"http::json: malformed JSON from " + response.url + ": " + error.what()};
    }
}

/// A ClientRequest whose body is `value` as JSON (hio: Requester's `data`), asking for JSON
/// back.
inline ClientRequest json_request(std::string method, std::string url, const nlohmann::json& value) {
    ClientRequest request{.method = std::move(method), .url = std::move(url)};
    request.headers.set("Content-Type", "application/json");
    request.headers.set("Accept", "application/json");
    request.body = value.dump();
    return request;
}

}  // namespace hio::http
