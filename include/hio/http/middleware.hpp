#pragma once
/// \file
/// A small middleware chain around a Handler (as Falcon apps use: before and after hooks), and
/// CORS (Cross-Origin Resource Sharing) as its first real middleware.

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/http/message.hpp>

namespace hio::http {

/// A request handler (the same alias as server.hpp's, so this header needs no server).
using Handler = std::function<void(const Request& request, Response& response)>;

/// One link of a chain: before() may answer the request itself (return true: the handler and
/// the later links' before() are skipped); after() sees every answer, in reverse order, even
/// one a handler made by throwing http::Error (the server renders those later, so after() is
/// not called for them: add headers in before() when they must be on errors too).
class Middleware {
public:
    virtual ~Middleware() = default;
    /// Runs before the handler; true: `response` is the answer, stop here.
    virtual bool before(const Request& request, Response& response) {
        static_cast<void>(request);
        static_cast<void>(response);
        return false;
    }
    /// Runs after the handler (or a later link's before() that answered).
    virtual void after(const Request& request, Response& response) {
        static_cast<void>(request);
        static_cast<void>(response);
    }

protected:
    ///@{
    /// Made and copied by the classes that implement it.
    Middleware() = default;
    Middleware(const Middleware&) = default;
    Middleware& operator=(const Middleware&) = default;
    ///@}
};

/// `handler` wrapped in `links`, the first outermost (not owned; they must outlive the
/// returned Handler). Throws ValidationError for an empty handler or a null link.
inline Handler chain(Handler handler, std::vector<Middleware*> links) {
    if (!handler)
        throw ValidationError{"http::chain: the handler must not be empty"};
    if (std::find(links.begin(), links.end(), nullptr) != links.end())
        throw ValidationError{"http::chain: a middleware must not be null"};
    return [handler = std::move(handler), links = std::move(links)](const Request& request, Response& response) {
        std::size_t entered = 0;
        bool answered = false;
        for (; entered < links.size() && !answered; ++entered)
            answered = links[entered]->before(request, response);
        if (!answered)
            handler(request, response);
        while (entered > 0)
            links[--entered]->after(request, response);
    };
}

/// Settings of Cors.
struct CorsOptions {
    /// Origins allowed ("https://app.example"); "*" allows any (then credentials are not).
    std::vector<std::string> origins{};
    /// Methods a preflight allows.
    std::string methods = "GET, HEAD, POST, PUT, PATCH, DELETE";
    /// Request headers a preflight allows.
    std::string headers = "Content-Type, Authorization";
    /// Response headers the page's script may read (Access-Control-Expose-Headers); "" none.
    std::string expose{};
    /// Let the browser send cookies and Authorization (never with "*").
    bool credentials = false;
    /// Seconds a browser may cache a preflight's answer.
    int max_age = 600;
};

/// CORS (the Fetch standard): answers preflight `OPTIONS` requests from allowed origins (204
/// with the Access-Control-Allow-* fields; 403 for an origin not allowed), and adds
/// Access-Control-Allow-Origin (and Vary: Origin) to the answers of allowed origins. A request
/// without Origin is not cross-origin and passes untouched.
class Cors final : public Middleware {
public:
    /// Throws ValidationError for credentials with the "*" origin (browsers refuse it).
    explicit Cors(CorsOptions options) : options_{std::move(options)} {
        any_ = std::find(options_.origins.begin(), options_.origins.end(), "*") != options_.origins.end();
        if (any_ && options_.credentials)
            throw ValidationError{"http::Cors: credentials cannot be allowed for every origin (\"*\")"};
    }

    bool before(const Request& request, Response& response) override {
        const auto origin = request.headers.get("Origin");
        if (!origin || request.method != "OPTIONS" || !request.headers.has("Access-Control-Request-Method"))
            return false;  // not a preflight
        if (!allowed(*origin)) {
            response.status = 403;
            response.headers.set("Content-Type", "text/plain; charset=utf-8");
            response.body = "403 Forbidden\norigin not allowed\n";
            return true;
        }
        response.status = 204;
        allow(*origin, response);
        response.headers.set("Access-Control-Allow-Methods", options_.methods);
        response.headers.set("Access-Control-Allow-Headers", options_.headers);
        response.headers.set("Access-Control-Max-Age", std::to_string(options_.max_age));
        return true;
    }

    void after(const Request& request, Response& response) override {
        const auto origin = request.headers.get("Origin");
        if (!origin || response.headers.has("Access-Control-Allow-Origin") || !allowed(*origin))
            return;
        allow(*origin, response);
        if (!options_.expose.empty())
            response.headers.set("Access-Control-Expose-Headers", options_.expose);
    }

private:
    [[nodiscard]] bool allowed(std::string_view origin) const {
        return any_ || std::find(options_.origins.begin(), options_.origins.end(), origin) != options_.origins.end();
    }

    void allow(std::string_view origin, Response& response) const {
        response.headers.set("Access-Control-Allow-Origin", any_ ? std::string{"*"} : std::string{origin});
        if (!any_)
            response.headers.add("Vary", "Origin");
        if (options_.credentials)
            response.headers.set("Access-Control-Allow-Credentials", "true");
    }

    CorsOptions options_;
    bool any_ = false;
};

}  // namespace hio::http
