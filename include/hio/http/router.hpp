#pragma once
/// \file
/// Router: an optional dispatcher from method and path pattern to handlers, usable wherever
/// an http::Handler is (hio hosts WSGI apps whose frameworks route; this is the small one).
///
/// ```
/// hio::http::Router router;
/// router.get("/", hello).get("/users/{id}", show_user).post("/users", add_user).get("/files/*", files);
/// hio::http::ServerDoer http{tcp, router};   // 404 for unknown paths, 405 (with Allow) for other methods
/// ```

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/query.hpp>

namespace hio::http {


/// What a route pattern captured: `{name}` segments and the `*` tail, percent-decoded.
class RouteMatch {
public:
    /// The value captured as `name` ("*" for the tail), or nothing.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const {
        for (const auto& [key, value] : params_)
            if (key == name)
                return std::string_view{value};
        return std::nullopt;
    }
    /// The value captured as `name`, or empty.
    [[nodiscard]] std::string value(std::string_view name) const { return std::string{get(name).value_or("")}; }
    /// Every capture, in pattern order: (name, decoded value).
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& params() const noexcept { return params_; }

    /// Records a capture (the Router does, while matching).
    void add(std::string name, std::string value) { params_.emplace_back(std::move(name), std::move(value)); }
    /// Forgets every capture.
    void clear() noexcept { params_.clear(); }

private:
    std::vector<std::pair<std::string, std::string>> params_;
};

/// A handler behind a route: the request, the response to fill, and what the pattern captured.
using RouteHandler = std::function<void(const Request& request, Response& response, const RouteMatch& match)>;

/// Dispatches requests by method and path pattern, first added first tried. A pattern is a
/// path of segments: literal ones match themselves, `{name}` matches any one non-empty
/// segment, and a final `*` matches the rest of the path (possibly empty). Captures are
/// percent-decoded; a path that does not decode (a bad escape, %00) gets 400. HEAD requests
/// use GET routes unless a HEAD route matches first. No route for the path: 404; routes for
/// the path but not the method: 405 with an Allow field.
class Router {
public:
    /// Adds a route for `method` ("GET", "POST", ..., or "*" for any). Throws
    /// ValidationError for a pattern that does not start with '/', an empty or unclosed
    /// `{}`, or a `*` that is not the last segment.
    Router& add(std::string method, std::string_view pattern, RouteHandler handler) {
        if (!handler)
            throw ValidationError{"http::Router: the handler for " + std::string{pattern} + " must not be empty"};
        routes_.push_back({std::move(method), split(pattern), std::move(handler)});
        return *this;
    }
    /// add("GET", ...); HEAD requests use it too.
    Router& get(std::string_view pattern, RouteHandler handler) { return add("GET", pattern, std::move(handler)); }
    /// add("POST", ...).
    Router& post(std::string_view pattern, RouteHandler handler) { return add("POST", pattern, std::move(handler)); }
    /// add("PUT", ...).
    Router& put(std::string_view pattern, RouteHandler handler) { return add("PUT", pattern, std::move(handler)); }
    /// add("DELETE", ...) (`delete` is a keyword).
    Router& del(std::string_view pattern, RouteHandler handler) { return add("DELETE", pattern, std::move(handler)); }

    /// Answers `request` with the first matching route (an http::Handler).
    void operator()(const Request& request, Response& response) const {
        const std::vector<std::string_view> path = segments(request.path);
        RouteMatch match;
        std::string allowed;
        for (const bool head_as_get : {false, true}) {
            if (head_as_get && request.method != "HEAD")
                break;
            for (const Route& route : routes_) {
                match.clear();
                bool decodable = true;
                if (!matches(route, path, match, decodable))
                    continue;
                if (!decodable) {
                    refuse(response, 400, "bad percent-encoding in " + request.path);
                    return;
                }
                const std::string_view wanted = head_as_get ? std::string_view{"GET"} : request.method;
                if (route.method == "*" || route.method == wanted) {
                    route.handler(request, response, match);
                    return;
                }
                if (!head_as_get && !has_token(allowed, route.method))
                    allowed += (allowed.empty() ? "" : ", ") + route.method;
            }
        }
        if (allowed.empty()) {
            refuse(response, 404, "not found: " + request.path);
            return;
        }
        refuse(response, 405, request.method + " is not allowed on " + request.path);
        response.headers.set("Allow", allowed);
    }

private:
    struct Segment {
        std::string text;  // literal text, or the capture's name
        enum class Kind { literal, capture, rest } kind = Kind::literal;
    };
    struct Route {
        std::string method;
        std::vector<Segment> pattern;
        RouteHandler handler;
    };

    static std::vector<std::string_view> segments(std::string_view path) {
        std::vector<std::string_view> parts;
        while (!path.empty()) {
            path.remove_prefix(1);  // the '/'
            const std::size_t slash = path.find('/');
            parts.push_back(path.substr(0, slash));
            if (slash == std::string_view::npos)
                break;
            path.remove_prefix(slash);
        }
        return parts;
    }

    static std::vector<Segment> split(std::string_view pattern) {
        const auto bad = [&](const std::string& why) {
            return ValidationError{"http::Router: pattern \"" + std::string{pattern} + "\": " + why};
        };
        if (pattern.empty() || pattern.front() != '/')
            throw bad("must start with '/'");
        std::vector<Segment> out;
        const std::vector<std::string_view> parts = segments(pattern);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const std::string_view part = parts[i];
            if (part == "*") {
                if (i + 1 != parts.size())
                    throw bad("'*' must be the last segment");
                out.push_back({"*", Segment::Kind::rest});
            } else if (part.starts_with('{')) {
                if (!part.ends_with('}') || part.size() < 3)
                    throw bad("a capture is {name}, got " + std::string{part});
                out.push_back({std::string{part.substr(1, part.size() - 2)}, Segment::Kind::capture});
            } else {
                if (part.find_first_of("{}*") != std::string_view::npos)
                    throw bad("'{', '}' and '*' stand alone in a segment, got " + std::string{part});
                out.push_back({std::string{part}, Segment::Kind::literal});
            }
        }
        return out;
    }

    static bool matches(const Route& route, const std::vector<std::string_view>& path, RouteMatch& match,
                        bool& decodable) {
        std::size_t at = 0;
        for (const Segment& segment : route.pattern) {
            if (segment.kind == Segment::Kind::rest) {
                std::string rest;
                for (std::size_t i = at; i < path.size(); ++i)
                    rest += (i == at ? "" : "/") + std::string{path[i]};
                capture(match, "*", rest, decodable);
                return true;
            }
            if (at >= path.size())
                return false;
            if (segment.kind == Segment::Kind::literal && path[at] != segment.text)
                return false;
            if (segment.kind == Segment::Kind::capture) {
                if (path[at].empty())
                    return false;
                capture(match, segment.text, path[at], decodable);
            }
            ++at;
        }
        return at == path.size();
    }

    static void capture(RouteMatch& match, const std::string& name, std::string_view raw, bool& decodable) {
        std::optional<std::string> decoded = percent_decode(raw);
        decodable = decodable && decoded.has_value();
        match.add(name, decoded.value_or(std::string{}));
    }

    static void refuse(Response& response, int status, const std::string& text) {
        response.status = status;
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        response.body = text + "\n";
    }

    std::vector<Route> routes_;
};

}  // namespace hio::http
