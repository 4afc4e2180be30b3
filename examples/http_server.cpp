// http_server: an HTTP/1.1 server as a doer; hello world, the request echoed as JSON, a
// directory of static files, and a clock streamed as server-sent events.
//
// Run:   build/examples/http_server                        (127.0.0.1, a free port)
//        build/examples/http_server --port 8080 --root ./public
//        build/examples/http_server --tls --cert cert.pem --key key.pem
// Talk:  curl -i http://127.0.0.1:PORT/
//        curl -s 'http://127.0.0.1:PORT/echo?x=1' -d 'some body'     (the request as JSON)
//        curl -s http://127.0.0.1:PORT/files/index.html              (from --root)
//        curl -N http://127.0.0.1:PORT/clock                         (an event a second)
// Stop:  Ctrl-C or SIGTERM.
//
// One Doist runs one http::ServerDoer over a tcp::Server, and a Clock doer with a tock of one
// second. The handler is an ordinary function called in the pass where a request completes;
// keep-alive, pipelining, limits and timeouts are the server's. /clock answers with an
// EventStream the handler hands to the Clock, which pushes an event into every open stream
// each tock: no thread per client, and a client that reads slowly only misses ticks.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/hio.hpp>

namespace {

struct Settings {
    hio::tcp::ServerOptions server{.idle_timeout = 15.0};
    std::string root = ".";
    bool quiet = false;
    bool tls = false;
    hio::tls::Config tls_config;
};

[[noreturn]] void usage(const std::string& problem) {
    std::fprintf(stderr,
                 "http_server: %s\n"
                 "usage: http_server [--host H] [--port P] [--root DIR] [--idle-timeout SECONDS] [--quiet]\n"
                 "                   [--tls --cert FILE --key FILE]\n",
                 problem.c_str());
    std::exit(2);
}

Settings parse(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--quiet" || option == "--tls") {
            settings.quiet = settings.quiet || option == "--quiet";
            settings.tls = settings.tls || option == "--tls";
            continue;
        }
        if (i + 1 >= argc)
            usage(option + " needs a value");
        const std::string value = argv[++i];
        char* end = nullptr;
        const double number = std::strtod(value.c_str(), &end);
        const bool numeric = end != value.c_str() && *end == '\0';
        if (option == "--host") {
            settings.server.host = value;
        } else if (option == "--port") {
            if (!numeric || number < 0 || number > 65535 || number != static_cast<int>(number))
                usage("--port must be an integer from 0 to 65535, got '" + value + "'");
            settings.server.port = static_cast<std::uint16_t>(number);
        } else if (option == "--idle-timeout") {
            if (!numeric || number < 0)
                usage("--idle-timeout must be a number of seconds >= 0, got '" + value + "'");
            settings.server.idle_timeout = number;
        } else if (option == "--root") {
            settings.root = value;
        } else if (option == "--cert") {
            settings.tls_config.certificate_file = value;
        } else if (option == "--key") {
            settings.tls_config.key_file = value;
        } else {
            usage("unknown option " + option);
        }
    }
    if (settings.tls && (settings.tls_config.certificate_file.empty() || settings.tls_config.key_file.empty()))
        usage("--tls needs --cert and --key");
    if (!std::filesystem::is_directory(settings.root))
        usage("--root " + settings.root + " is not a directory");
    return settings;
}

// A JSON string literal for `text` (bytes outside ASCII are passed through as they are).
std::string json_string(std::string_view text) {
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

// The request as JSON: method, target, path, query, headers (in order, repeats kept), body.
std::string request_json(const hio::http::Request& request) {
    std::string json = "{\"method\": " + json_string(request.method) + ", \"target\": " + json_string(request.target) +
                       ", \"path\": " + json_string(request.path) + ", \"query\": " + json_string(request.query) +
                       ", \"headers\": [";
    bool first = true;
    for (const auto& [name, value] : request.headers) {
        json += (first ? "[" : ", [") + json_string(name) + ", " + json_string(value) + "]";
        first = false;
    }
    return json + "], \"body\": " + json_string(request.body) + "}\n";
}

std::string content_type(const std::filesystem::path& file) {
    const std::string extension = file.extension().string();
    if (extension == ".html" || extension == ".htm") return "text/html; charset=utf-8";
    if (extension == ".txt") return "text/plain; charset=utf-8";
    if (extension == ".css") return "text/css; charset=utf-8";
    if (extension == ".js") return "text/javascript; charset=utf-8";
    if (extension == ".json") return "application/json";
    if (extension == ".png") return "image/png";
    if (extension == ".jpg" || extension == ".jpeg") return "image/jpeg";
    if (extension == ".svg") return "image/svg+xml";
    return "application/octet-stream";
}

// GET /files/<relative path> from `root` (the router decoded the path). A ".." segment is
// refused, so no request reaches outside the root (symbolic links inside it are followed, as
// most servers do).
void serve_file(const std::string& root, const std::string& relative_path, hio::http::Response& response) {
    const std::filesystem::path relative{relative_path};
    bool refused = relative.is_absolute();
    for (const auto& part : relative)
        refused = refused || part == "..";
    if (refused) {
        response.status = 403;
        response.body = "refused: " + relative_path + "\n";
        return;
    }
    const std::filesystem::path file = std::filesystem::path{root} / relative;
    std::ifstream in{file, std::ios::binary};
    if (!std::filesystem::is_regular_file(file) || !in) {
        response.status = 404;
        response.body = "not found: " + relative_path + "\n";
        return;
    }
    std::ostringstream content;
    content << in.rdbuf();
    response.headers.set("Content-Type", content_type(file));
    response.body = content.str();
}

// Sends the time as an event to every subscribed client once per tock (1 s): a periodic doer.
class Clock : public hio::Doer {
public:
    Clock() : hio::Doer{1.0} {}

    void subscribe(hio::http::EventStream client) {
        if (!client.last_event_id().empty())  // a client reconnecting (EventSource does this)
            client.send({.event = "welcome", .data = "back after tick " + client.last_event_id()});
        clients_.push_back(std::move(client));
    }

protected:
    bool recur(double) override {
        ++count_;
        const hio::http::Event event{.id = std::to_string(count_), .event = "tick",
                                     .data = hio::http::http_date(std::time(nullptr))};
        for (hio::http::EventStream& client : clients_)
            static_cast<void>(client.send(event));  // no room: this client misses this tick
        std::erase_if(clients_, [](const hio::http::EventStream& client) { return client.closed(); });
        return false;
    }

private:
    std::vector<hio::http::EventStream> clients_;
    unsigned long count_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const Settings settings = parse(argc, argv);
    try {
        hio::Reactor reactor;
        hio::tcp::Network tcp{reactor};
        std::optional<hio::tls::Context> tls_context;
        std::optional<hio::tls::Network> tls_network;
        hio::Network* network = &tcp;
        if (settings.tls) {  // https: only the Network changes
            tls_context.emplace(hio::tls::Role::server, settings.tls_config);
            tls_network.emplace(tcp, *tls_context);
            network = &*tls_network;
        }
        hio::tcp::Server server{*network, settings.server};

        const std::string root = settings.root;
        const bool quiet = settings.quiet;
        Clock clock;
        // Routes (optional: any function from Request to Response is a handler).
        hio::http::Router router;
        router.get("/", [](const hio::http::Request&, hio::http::Response& response, const hio::http::RouteMatch&) {
            response.headers.set("Content-Type", "text/plain; charset=utf-8");
            response.body = "hello from hio-cpp\n";
        });
        router.add("*", "/echo", [](const hio::http::Request& request, hio::http::Response& response,
                                    const hio::http::RouteMatch&) {
            response.headers.set("Content-Type", "application/json");
            response.body = request_json(request);
        });
        router.get("/files/*", [&root](const hio::http::Request&, hio::http::Response& response,
                                       const hio::http::RouteMatch& match) {
            response.headers.set("Content-Type", "text/plain; charset=utf-8");
            serve_file(root, match.value("*"), response);
        });
        router.get("/clock", [&clock](const hio::http::Request& request, hio::http::Response& response,
                                      const hio::http::RouteMatch&) {
            clock.subscribe(hio::http::EventStream{request, response});  // kept open; the clock writes
        });
        hio::http::ServerDoer http{server, [&router, quiet](const hio::http::Request& request,
                                                            hio::http::Response& response) {
            router(request, response);
            if (!quiet) {
                std::printf("%s %s -> %d\n", request.method.c_str(), request.target.c_str(), response.status);
                std::fflush(stdout);
            }
        }};

        server.open();
        std::printf("listening on %s\n", server.local_endpoint().c_str());
        std::fflush(stdout);
        hio::Doist doist{{.tock = 0.03125, .real = true, .waiter = &reactor}, {&http, &clock}};
        doist.run();  // until Ctrl-C or SIGTERM
        std::printf("stopped: %llu requests, %llu refused\n", static_cast<unsigned long long>(http.requests()),
                    static_cast<unsigned long long>(http.refused()));
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "http_server: %s\n", error.what());
        return 1;
    }
}
