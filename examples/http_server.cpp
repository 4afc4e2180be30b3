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
//        curl -N 'http://127.0.0.1:PORT/drip?lines=8'                (a line every 0.25 s)
//        curl -s http://127.0.0.1:PORT/digest/NAME                   (a file's checksum, off the Doist)
// Cores: --workers N: N worker threads, each a Doist with its own server and doers, one
//        listener handing each connection to the least-loaded worker (Linux, epoll).
// Stop:  Ctrl-C or SIGTERM: it stops accepting, closes idle keep-alive connections, ends the
//        event streams, lets answers in flight finish (--grace seconds, 10), and exits 0.
//
// One Doist runs one http::ServerDoer over a StreamServer, and a Clock doer with a tock of one
// second. The handler is an ordinary function called in the pass where a request completes;
// keep-alive, pipelining, limits and timeouts are the server's. /clock answers with an
// EventStream the handler hands to the Clock, which pushes an event into every open stream
// each tock: no thread per client, and a client that reads slowly only misses ticks.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/hio.hpp>
#include <hio/http/static_files.hpp>

#include "arguments.hpp"
#include "backend.hpp"

namespace {

struct Settings {
    hio::StreamServerOptions server;
    hio::http::ServerOptions http;
    double grace = 10.0;  // a graceful stop: answers in flight get this long to finish
    std::string root = ".";
    bool quiet = false;
    bool tls = false;
#if defined(HIO_EXAMPLE_TLS)
    hio::tls::Config tls_config;
#endif
    std::string backend = example::default_backend;  // hio's epoll Reactor, or Asio's (backend.hpp)
    std::size_t workers = 0;  // 0: one Doist on the main thread; N: N worker threads (Linux)
};

Settings parse(int argc, char** argv) {
    const example::Arguments args{
        argc, argv,
        "http_server [--host H] [--port P] [--backend epoll|asio] [--workers N] [--root DIR] [--max-connections N]\n"
        "                   [--idle-timeout SECONDS]\n"
        "                   [--send-buffer BYTES]\n"
        "                   [--keep-alive-timeout SECONDS] [--grace SECONDS] [--quiet]\n"
        "                   [--tls --cert FILE --key FILE]",
        {"--host", "--port", "--backend", "--workers", "--root", "--max-connections", "--idle-timeout", "--send-buffer", "--keep-alive-timeout", "--grace",
         "--cert", "--key"},
        {"--quiet", "--tls"}};
    Settings settings;
    settings.server.host = args.text("--host", settings.server.host);
    settings.server.port = static_cast<std::uint16_t>(args.integer("--port", 0, 0, 65535));
    settings.server.max_connections =
        static_cast<std::size_t>(args.integer("--max-connections", 1024, 1, 10'000'000));
    settings.server.idle_timeout = args.number("--idle-timeout", settings.server.idle_timeout, 0.0, 1e9);
    // The kernel's send buffer per connection (0: the kernel's own, which grows to megabytes).
    settings.server.send_buffer = static_cast<std::size_t>(args.integer("--send-buffer", 0, 0, 1 << 30));
    settings.http.keep_alive_timeout =
        args.number("--keep-alive-timeout", settings.http.keep_alive_timeout, 0.0, 1e9);
    settings.grace = args.number("--grace", settings.grace, 0.0, 3600.0);
    settings.root = args.text("--root", settings.root);
    settings.quiet = args.flag("--quiet");
    settings.backend = args.text("--backend", settings.backend);
    settings.workers = example::workers_option(args, settings.backend);
    if (settings.backend != "epoll" && settings.backend != "asio")
        args.fail("--backend must be epoll or asio");
    settings.tls = args.flag("--tls");
#if defined(HIO_EXAMPLE_TLS)
    settings.tls_config.certificate_file = args.text("--cert");
    settings.tls_config.key_file = args.text("--key");
    settings.tls_config.alpn = {"http/1.1"};  // say which protocol this TLS carries, as nginx does
    if (settings.tls && (settings.tls_config.certificate_file.empty() || settings.tls_config.key_file.empty()))
        args.fail("--tls needs --cert and --key");
#else
    if (settings.tls)
        args.fail("--tls: this build has no TLS (no OpenSSL for this platform; docs/platforms.md)");
#endif
    if (!std::filesystem::is_directory(settings.root))
        args.fail("--root " + settings.root + " is not a directory");
    return settings;
}

// The request as JSON: method, target, path, query, headers (in order, repeats kept), body.
std::string request_json(const hio::http::Request& request) {
    using hio::http::json_quote;  // a JSON string literal (problem.hpp)
    std::string json = "{\"method\": " + json_quote(request.method) + ", \"target\": " + json_quote(request.target) +
                       ", \"path\": " + json_quote(request.path) + ", \"query\": " + json_quote(request.query_string) +
                       ", \"headers\": [";
    bool first = true;
    for (const auto& [name, value] : request.headers) {
        json += (first ? "[" : ", [") + json_quote(name) + ", " + json_quote(value) + "]";
        first = false;
    }
    return json + "], \"body\": " + json_quote(request.body) + "}\n";
}

// Sends the time as an event to every subscribed client once per tock (1 s): a periodic doer.
// With no client it idles until a subscription wakes it, so an idle server sleeps.
class Clock : public hio::Doer {
public:
    Clock() : hio::Doer{1.0} {}

    void subscribe(hio::http::EventStream client) {
        if (!client.last_event_id().empty())  // a client reconnecting (EventSource does this)
            client.send({.event = "welcome", .data = "back after tick " + client.last_event_id()});
        clients_.push_back(std::move(client));
        wake();  // it may be idle
    }

protected:
    bool recur(double) override {
        std::erase_if(clients_, [](const hio::http::EventStream& client) { return client.closed(); });
        if (clients_.empty()) {
            idle();  // until subscribe() wakes it
            return false;
        }
        ++count_;
        const auto now = static_cast<std::time_t>(tymist()->wall_time());  // the Doist's clock
        const hio::http::Event event{.id = std::to_string(count_), .event = "tick", .data = hio::http::http_date(now)};
        for (hio::http::EventStream& client : clients_)
            static_cast<void>(client.send(event));  // no room: this client misses this tick
        return false;
    }

private:
    std::vector<hio::http::EventStream> clients_;
    unsigned long count_ = 0;
};

// /digest/NAME: the FNV-1a 64-bit checksum and size of the file NAME in --root, computed on a
// pool thread (hio::Offload): reading a large file is a blocking call, and the other
// connections of the Doist must not wait for it. The answer is a streamed body that this doer
// ends when the job does (the job's completion wakes it).
class Digester : public hio::Doer {
public:
    Digester(hio::Offload& pool, const std::filesystem::path& root) : pool_{pool}, root_{std::filesystem::canonical(root)} {}

    void start(hio::http::Response& response, const std::string& name) {
        // A name in the root itself: no separator, no "..", nothing hidden.
        if (name.empty() || name.front() == '.' || name.find_first_of("/\\") != std::string::npos) {
            response.status = 400;
            response.body = "a file name in the root, please\n";
            return;
        }
        if (name.find(':') != std::string::npos) {  // a drive ("D:x") or a data stream on Windows
            response.status = 400;
            response.body = "a file name in the root, please\n";
            return;
        }
        // The file itself, links followed, must be in the root (as StaticFiles checks).
        std::error_code error;
        const std::filesystem::path real = std::filesystem::canonical(root_ / name, error);
        if (error || !std::filesystem::is_regular_file(real, error) || real.parent_path() != root_) {
            response.status = 404;
            response.body = "no such file\n";
            return;
        }
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        jobs_.push_back({response.stream({}), real, std::nullopt});
        wake();
    }

    // A graceful stop: the digests in progress finish first.
    bool wind_down(double) override {
        stopping_ = true;
        return !jobs_.empty();
    }

protected:
    bool recur(double) override {
        for (Job& job : jobs_) {
            if (!job.pending) {
                job.pending = pool_.submit(*this, [path = job.path] { return digest(path); });
                if (!job.pending) {  // the pool's queue is full: say so rather than wait
                    static_cast<void>(job.stream->write("busy, try again\n"));
                    job.stream->end();
                }
            } else if (job.pending->ready()) {
                try {
                    static_cast<void>(job.stream->write(job.pending->get()));
                } catch (const std::exception& failure) {
                    static_cast<void>(job.stream->write(std::string{"error: "} + failure.what() + "\n"));
                }
                job.stream->end();
            }
        }
        std::erase_if(jobs_, [](const Job& job) { return job.stream->ended() || job.stream->closed(); });
        if (jobs_.empty() && stopping_)
            return true;
        idle();  // until a request starts a job or a job's completion wakes it
        return false;
    }

private:
    struct Job {
        std::shared_ptr<hio::http::BodyStream> stream;
        std::filesystem::path path;
        std::optional<hio::Pending<std::string>> pending;
    };

    // On a pool thread: reads the whole file (blocking) and hashes it.
    static std::string digest(const std::filesystem::path& path) {
        std::ifstream in{path, std::ios::binary};
        if (!in)
            throw std::runtime_error{"cannot read " + path.filename().string()};
        std::uint64_t hash = 14695981039346656037ULL;
        std::uint64_t size = 0;
        std::vector<char> buffer(1 << 16);
        while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
            const auto got = static_cast<std::size_t>(in.gcount());
            for (std::size_t i = 0; i < got; ++i)
                hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ULL;
            size += got;
        }
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
        return std::string{"fnv1a64 "} + hex + " " + std::to_string(size) + "\n";
    }

    hio::Offload& pool_;
    std::filesystem::path root_;
    std::vector<Job> jobs_;
    bool stopping_ = false;
};

// /drip?lines=N: a body that takes time, one line every quarter second (a streamed response
// of known length, written by a doer over later passes). Idles while there is none.
class Dripper : public hio::Doer {
public:
    Dripper() : hio::Doer{0.25} {}

    void start(hio::http::Response& response, int lines) {
        std::string body;
        for (int n = 1; n <= lines; ++n)
            body += "line " + std::to_string(n) + "\n";
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        drips_.push_back({response.stream({.content_length = body.size()}), std::move(body), 0});
        wake();
    }

    // A graceful stop: finish the bodies in progress (the server waits for them), then end.
    bool wind_down(double) override {
        stopping_ = true;
        return !drips_.empty();
    }

protected:
    bool recur(double) override {
        for (Drip& drip : drips_) {
            const std::size_t end = drip.body.find('\n', drip.at) + 1;  // one line
            drip.at += drip.stream->write(std::string_view{drip.body}.substr(drip.at, end - drip.at));
            if (drip.at == drip.body.size())
                drip.stream->end();
        }
        std::erase_if(drips_, [](const Drip& drip) { return drip.stream->ended() || drip.stream->closed(); });
        if (drips_.empty()) {
            if (stopping_)
                return true;
            idle();
        }
        return false;
    }

private:
    struct Drip {
        std::shared_ptr<hio::http::BodyStream> stream;
        std::string body;
        std::size_t at;
    };
    std::vector<Drip> drips_;
    bool stopping_ = false;
};

// Builds the server on `tcp` (TLS over it with --tls), its routes and doers, then calls
// `run` with the doers; `listening` is told the server once it listens. One Doist runs it, or
// each worker's (--workers): the objects live on the thread that runs them.
void serve(hio::Network& tcp, const Settings& settings, hio::Offload& pool,
           const std::function<void(const std::vector<hio::Doer*>&)>& run,
           const std::function<void(const hio::StreamServer&)>& listening, std::atomic<unsigned long long>& requests,
           std::atomic<unsigned long long>& refused) {
    hio::Network* network = &tcp;
#if defined(HIO_EXAMPLE_TLS)  // TLS needs OpenSSL: not in the Windows build (docs/platforms.md)
    std::optional<hio::tls::Context> tls_context;
    std::optional<hio::tls::Network> tls_network;
    if (settings.tls) {  // https: only the Network changes
        tls_context.emplace(hio::tls::Role::server, settings.tls_config);
        tls_network.emplace(tcp, *tls_context);
        network = &*tls_network;
    }
#endif
    hio::StreamServer server{*network, settings.server};

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
    // Files under --root, sent by the kernel (sendfile; over TLS read in 8 KiB chunks): a
    // 1 GB file costs no more memory than a small one. ETag, ranges and HEAD; nothing
    // outside the root is reachable.
    hio::http::StaticFiles files{{.root = settings.root}};
    router.get("/files/*", [&files](const hio::http::Request& request, hio::http::Response& response,
                                    const hio::http::RouteMatch& match) {
        files.serve(request, response, match.value("*"));
    });
    router.get("/clock", [&clock](const hio::http::Request& request, hio::http::Response& response,
                                  const hio::http::RouteMatch&) {
        clock.subscribe(hio::http::EventStream{request, response});  // kept open; the clock writes
    });
    Digester digester{pool, settings.root};
    router.get("/digest/*", [&digester](const hio::http::Request&, hio::http::Response& response,
                                        const hio::http::RouteMatch& match) {
        digester.start(response, match.value("*"));
    });
    Dripper dripper;
    router.get("/drip", [&dripper](const hio::http::Request& request, hio::http::Response& response,
                                   const hio::http::RouteMatch&) {
        const std::string lines_text = request.query().value("lines", "4");
        const int lines = std::clamp(std::atoi(lines_text.c_str()), 1, 400);
        dripper.start(response, lines);
    });
    hio::http::ServerDoer http{server,
                               [&router, quiet](const hio::http::Request& request, hio::http::Response& response) {
                                   router(request, response);
                                   if (!quiet) {
                                       std::printf("%s %s -> %d\n", request.method.c_str(),
                                                   request.target.c_str(), response.status);
                                       std::fflush(stdout);
                                   }
                               },
                               settings.http};

    server.open();
    if (listening)
        listening(server);
    run({&http, &clock, &dripper, &digester, &files.doer()});  // until Ctrl-C or SIGTERM: answers in flight finish
    requests += http.requests();
    refused += http.refused();
}

}  // namespace

int main(int argc, char** argv) {
    const Settings settings = parse(argc, argv);
    try {
        std::atomic<unsigned long long> requests{0}, refused{0};
        hio::Offload pool{{.threads = 2, .queue = 64}};  // blocking calls (/digest), shared by the workers
#if defined(__linux__)
        if (settings.workers != 0) {  // --workers N: a Doist per worker thread, one listener
            hio::tcp::Workers workers{{.workers = settings.workers, .host = settings.server.host,
                                       .port = settings.server.port, .tock = 0.03125, .grace = settings.grace}};
            workers.open();
            std::printf("listening on %s\n", workers.local_endpoint().c_str());
            std::printf("workers: %zu\n", workers.size());
            std::fflush(stdout);
            workers.run([&](hio::tcp::Worker& worker) {
                serve(worker.network(), settings, pool, [&worker](const std::vector<hio::Doer*>& doers) { worker.run(doers); },
                      nullptr, requests, refused);
            });
            for (std::size_t i = 0; i < workers.size(); ++i)
                std::printf("worker %zu: %llu connections\n", i, static_cast<unsigned long long>(workers.handed(i)));
            std::printf("stopped: %llu requests, %llu refused\n", requests.load(), refused.load());
            return 0;
        }
#endif
        example::Sockets sockets{settings.backend};  // --backend: hio's epoll Reactor, or Asio
        serve(sockets.network(), settings, pool,
              [&](const std::vector<hio::Doer*>& doers) {
                  hio::Doist doist{{.tock = 0.03125, .real = true, .grace = settings.grace, .waiter = &sockets.waiter()}, doers};
                  doist.run();
              },
              [](const hio::StreamServer& server) {
                  std::printf("listening on %s\n", server.local_endpoint().c_str());
                  std::fflush(stdout);
              },
              requests, refused);
        std::printf("stopped: %llu requests, %llu refused\n", requests.load(), refused.load());
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "http_server: %s\n", error.what());
        return 1;
    }
}
