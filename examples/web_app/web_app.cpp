// web_app: a small web application in one Doist: a JSON API for a list of items, a live feed
// of new items as server-sent events, and the one HTML page (public/index.html, no framework,
// no build step) that lists the items, adds one through its form, and shows the items anyone
// else adds as they arrive.
//
// Run:   build/examples/web_app --port 8080        (then open http://127.0.0.1:8080/)
// Talk:  curl -s http://127.0.0.1:8080/api/items                           (the list, JSON)
//        curl -s http://127.0.0.1:8080/api/items --json '{"name": "milk"}'  (201, the new item)
//        curl -s http://127.0.0.1:8080/api/items -d 'name=eggs'             (a form: 303 to /)
//        curl -N http://127.0.0.1:8080/api/events                          (the live feed)
//        curl -s http://127.0.0.1:8080/api/echo --json '{"a": [1, 2]}'      (JSON back, re-written)
// Stop:  Ctrl-C or SIGTERM: the feeds end, answers in flight finish, it exits 0.
//
// The pieces: a Router for the API, StaticFiles for the page, request.form() and
// hio::http::json() for bodies (a malformed one is a 400 the client can read, as
// application/problem+json when it asks for JSON), the Gzip middleware around it all (the
// page, the JSON and the event stream itself are compressed for a browser), and a Feed doer
// that sends every open event stream the items it has not seen yet, as fast as that client
// reads: a slow client gets the items late, never loses them (up to --max-items).
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <hio/hio.hpp>
#include <hio/http/gzip.hpp>
#include <hio/http/json.hpp>
#include <hio/http/static_files.hpp>

#include "../arguments.hpp"
#include "../backend.hpp"

#ifndef HIO_WEB_APP_ROOT
#define HIO_WEB_APP_ROOT "public"
#endif

namespace {

struct Settings {
    hio::StreamServerOptions server;
    std::string root = HIO_WEB_APP_ROOT;
    std::size_t max_items = 1000;
    bool quiet = false;
    std::string backend = "epoll";  // the sockets: hio's epoll Reactor, or Asio's (backend.hpp)
};

Settings parse(int argc, char** argv) {
    const example::Arguments args{argc, argv, "web_app [--host H] [--port P] [--backend epoll|asio] [--root DIR] [--max-items N] [--quiet]",
                                  {"--host", "--port", "--backend", "--root", "--max-items"}, {"--quiet"}};
    Settings settings;
    settings.server.host = args.text("--host", settings.server.host);
    settings.server.port = static_cast<std::uint16_t>(args.integer("--port", 0, 0, 65535));
    settings.root = args.text("--root", settings.root);
    settings.max_items = static_cast<std::size_t>(args.integer("--max-items", 1000, 1, 1'000'000));
    settings.quiet = args.flag("--quiet");
    settings.backend = args.text("--backend", settings.backend);
    if (settings.backend != "epoll" && settings.backend != "asio")
        args.fail("--backend must be epoll or asio");
    if (!std::filesystem::is_regular_file(std::filesystem::path{settings.root} / "index.html"))
        args.fail("--root " + settings.root + " has no index.html");
    return settings;
}

struct Item {
    std::uint64_t id;
    std::string name;
};

nlohmann::json to_json(const Item& item) { return {{"id", item.id}, {"name", item.name}}; }

// The items, and every client's event stream with the id of the next item it should get.
// Adding an item wakes it; it sends each stream what that stream has room for, and a stream
// that was full wakes it again when its client has read (on_room). Idle when all are served.
class Feed : public hio::Doer {
public:
    explicit Feed(std::size_t max_items) : hio::Doer{0.0}, max_items_{max_items} {}

    const Item& add(std::string name) {
        items_.push_back({++last_id_, std::move(name)});
        if (items_.size() > max_items_)
            items_.pop_front();  // the oldest goes; a client that far behind skips it
        wake();
        return items_.back();
    }

    [[nodiscard]] nlohmann::json list() const {
        nlohmann::json items = nlohmann::json::array();
        for (const Item& item : items_)
            items.push_back(to_json(item));
        return {{"items", std::move(items)}, {"last", last_id_}};
    }

    [[nodiscard]] std::uint64_t last_id() const noexcept { return last_id_; }

    [[nodiscard]] const Item* find(std::uint64_t id) const {
        if (items_.empty() || id < items_.front().id || id > last_id_)
            return nullptr;
        return &items_[id - items_.front().id];
    }

    // A new stream gets the items after `after` (a page passes the last id of the list it
    // loaded; EventSource, reconnecting, sends the last id it got as Last-Event-ID).
    void subscribe(hio::http::EventStream stream, std::uint64_t after) {
        stream.body().on_room([this] { wake(); });
        subscribers_.push_back({std::move(stream), after + 1});
        wake();
    }

    [[nodiscard]] std::size_t subscribers() const noexcept { return subscribers_.size(); }

protected:
    bool recur(double) override {
        for (Subscriber& subscriber : subscribers_) {
            if (!items_.empty() && subscriber.next < items_.front().id)
                subscriber.next = items_.front().id;
            for (; subscriber.next <= last_id_; ++subscriber.next) {
                const Item& item = *find(subscriber.next);
                if (!subscriber.stream.send({.id = std::to_string(item.id), .event = "item",
                                             .data = to_json(item).dump()}))
                    break;  // full: on_room wakes us when this client has read
            }
        }
        std::erase_if(subscribers_, [](const Subscriber& subscriber) { return subscriber.stream.closed(); });
        idle();  // until an item or a reader's room wakes it
        return false;
    }

private:
    struct Subscriber {
        hio::http::EventStream stream;
        std::uint64_t next;
    };
    std::size_t max_items_;
    std::deque<Item> items_;
    std::uint64_t last_id_ = 0;
    std::vector<Subscriber> subscribers_;
};

// An id from a path or a query (digits only), or http::Error 400 naming it.
std::uint64_t parse_id(const std::string& text, const char* what) {
    if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos)
        throw hio::http::Error{400, "Bad Request", std::string{what} + " must be a number, got '" + text + "'"};
    return std::stoull(text);
}

bool is_form(const hio::http::Request& request) {
    return hio::http::iequals(hio::http::media_type(request.headers.value("Content-Type")),
                              "application/x-www-form-urlencoded");
}

// The name of a new item from a JSON or a form body; http::Error 400/415 says what is wrong.
std::string new_item_name(const hio::http::Request& request) {
    std::string name;
    if (is_form(request)) {
        name = request.form().value("name");
    } else {
        const nlohmann::json body = hio::http::json(request);
        if (!body.is_object() || !body.contains("name") || !body["name"].is_string())
            throw hio::http::Error{400, "Bad Request", "expected {\"name\": \"...\"}"};
        name = body["name"].get<std::string>();
    }
    const auto first = name.find_first_not_of(" \t");
    name = first == std::string::npos ? "" : name.substr(first, name.find_last_not_of(" \t") - first + 1);
    if (name.empty() || name.size() > 100)
        throw hio::http::Error{400, "Bad Request", "a name of 1 to 100 bytes is needed"};
    try {
        static_cast<void>(nlohmann::json(name).dump());  // JSON strings are UTF-8
    } catch (const nlohmann::json::type_error&) {
        throw hio::http::Error{400, "Bad Request", "the name is not UTF-8 text"};
    }
    return name;
}

}  // namespace

int main(int argc, char** argv) {
    const Settings settings = parse(argc, argv);
    try {
        example::Sockets sockets{settings.backend};  // --backend: hio's epoll Reactor, or Asio
        hio::Network& tcp = sockets.network();
        hio::StreamServer server{tcp, settings.server};
        Feed feed{settings.max_items};
        hio::http::StaticFiles files{{.root = settings.root}};

        hio::http::Router router;
        router.get("/api/items", [&feed](const hio::http::Request&, hio::http::Response& response,
                                         const hio::http::RouteMatch&) { hio::http::set_json(response, feed.list()); });
        router.get("/api/items/{id}", [&feed](const hio::http::Request&, hio::http::Response& response,
                                              const hio::http::RouteMatch& match) {
            const Item* item = feed.find(parse_id(match.value("id"), "the item id"));
            if (item == nullptr)
                throw hio::http::Error{404, "Not Found", "no item " + match.value("id")};
            hio::http::set_json(response, to_json(*item));
        });
        router.post("/api/items", [&feed](const hio::http::Request& request, hio::http::Response& response,
                                          const hio::http::RouteMatch&) {
            const Item& item = feed.add(new_item_name(request));
            if (is_form(request) && !hio::http::accepts_json(request.headers.value("Accept"))) {
                response.status = 303;  // a plain HTML form, without the page's script: back to the page
                response.headers.set("Location", "/");
                return;
            }
            hio::http::set_json(response, to_json(item), 201);
            response.headers.set("Location", "/api/items/" + std::to_string(item.id));
        });
        // The body back, parsed and written again: what bench/run_app_bench.sh measures.
        router.post("/api/echo", [](const hio::http::Request& request, hio::http::Response& response,
                                    const hio::http::RouteMatch&) { hio::http::set_json(response, hio::http::json(request)); });
        router.get("/api/events", [&feed](const hio::http::Request& request, hio::http::Response& response,
                                          const hio::http::RouteMatch&) {
            hio::http::EventStream stream{request, response, {.heartbeat = 15.0, .retry = 1000}};
            const std::string& resumed = stream.last_event_id();
            const std::uint64_t after = !resumed.empty() ? parse_id(resumed, "Last-Event-ID")
                                        : request.query().has("after")
                                            ? parse_id(request.query().value("after"), "after")
                                            : feed.last_id();
            feed.subscribe(std::move(stream), after);
        });
        router.get("/*", [&files](const hio::http::Request& request, hio::http::Response& response,
                                  const hio::http::RouteMatch& match) { files.serve(request, response, match.value("*")); });

        hio::http::Gzip gzip;  // for clients that accept it: the page, the JSON, the event stream
        const hio::http::Handler app = hio::http::chain(
            [&router, quiet = settings.quiet](const hio::http::Request& request, hio::http::Response& response) {
                router(request, response);
                if (!quiet) {
                    std::printf("%s %s -> %d\n", request.method.c_str(), request.target.c_str(), response.status);
                    std::fflush(stdout);
                }
            },
            {&gzip});
        hio::http::ServerDoer http{server, app};

        server.open();
        std::printf("listening on %s\n", server.local_endpoint().c_str());
        std::fflush(stdout);
        hio::Doist doist{{.tock = 0.03125, .real = true, .grace = 5.0, .waiter = &sockets.waiter()},
                         {&http, &feed, &files.doer()}};
        doist.run();  // until Ctrl-C or SIGTERM
        std::printf("stopped: %llu requests\n", static_cast<unsigned long long>(http.requests()));
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "web_app: %s\n", error.what());
        return 1;
    }
}
