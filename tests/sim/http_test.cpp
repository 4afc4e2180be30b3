// HTTP over the simulated network: the unchanged server and client doers in virtual time.
// A sweep under faults (keep-alive, pipelining, chunked, SSE), and the timeouts at exact tymes.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <hio/http/client.hpp>
#include <hio/http/multipart.hpp>
#include <hio/http/server.hpp>
#include <hio/http/sse.hpp>
#include <hio/http/static_files.hpp>
#include <hio/sim.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server_doer.hpp>

#include "catch.hpp"
#include "support/files.hpp"
#include "support/sim.hpp"

namespace {

using hio_test::tick;

// What first_answer() saw: the client's first response (if one came within 10 s of tyme),
// and the tyme it came at.
struct FirstAnswer {
    std::optional<hio::http::ClientResponse> response;
    double tyme = 0.0;
};

// Runs `world` in virtual time until `client` has its first response; `each` (if any) runs
// at every check.
FirstAnswer first_answer(hio::sim::World& world, hio::http::Client& client, const std::function<void()>& each = {}) {
    FirstAnswer answer;
    world.stop_when([&] {
        if (each)
            each();
        if (!answer.response)
            answer.response = client.responses().pull();
        return answer.response.has_value();
    });
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    world.stop_when({});
    answer.tyme = doist.tyme();
    return answer;
}

// /echo answers the body, /id/N answers "N", /chunked streams X-N bytes of 'c', /events sends
// five events and ends.
void handle(const hio::http::Request& request, hio::http::Response& response) {
    if (request.path == "/echo") {
        response.body = request.body;
    } else if (request.path.rfind("/id/", 0) == 0) {
        response.body = request.path.substr(4);
    } else if (request.path == "/chunked") {
        const auto body = response.stream();
        body->write(std::string(std::stoul(request.headers.value("X-N")), 'c'));
        body->end();
    } else if (request.path == "/events") {
        hio::http::EventStream events{request, response};
        for (int k = 0; k < 5; ++k)
            events.send({.id = std::to_string(k), .data = "e" + std::to_string(k)});
        events.end();
    } else {
        response.status = 404;
    }
}

// Issues six requests (POST /echo, chunked GET, event stream, twice) through an http::Client
// over one kept-alive connection and checks every answer: each exactly once, right bodies.
class HttpUser final : public hio::Doer {
public:
    HttpUser(hio::http::Client& client, int index) : hio::Doer{0.01}, client_{client}, index_{index} {}
    std::string failure;
    bool finished = false;
    bool any_error = false;
    int events = 0;
    [[nodiscard]] std::string missing() const {
        std::string out;
        for (const auto& entry : expected_)
            if (answered_.count(entry.first) == 0)
                out += " " + std::to_string(entry.first);
        return out;
    }

protected:
    void enter() override {
        for (int k = 0; k < 6; ++k) {
            if (k % 3 == 0) {
                const std::string body = std::to_string(index_) + "-" + std::to_string(k) + ":" +
                                         std::string(static_cast<std::size_t>(random().below(3000)), 'b');
                expected_[client_.request({.method = "POST", .url = "http://server/echo", .body = body})] = body;
            } else if (k % 3 == 1) {
                const std::uint64_t n = random().between(1, 5000);
                const auto id = client_.request(
                    {.method = "GET", .url = "http://server/chunked", .headers = {{"X-N", std::to_string(n)}}});
                expected_[id] = std::string(static_cast<std::size_t>(n), 'c');
            } else {
                expected_[client_.get("http://server/events")] = "";
            }
        }
    }

    bool recur(double) override {
        while (auto response = client_.responses().pull()) {
            if (!answered_.insert(response->request_id).second)
                return stop("request " + std::to_string(response->request_id) + " answered twice");
            const auto found = expected_.find(response->request_id);
            if (found == expected_.end())
                return stop("a response to a request never made");
            if (!response->ok()) {
                any_error = true;  // a clean error: allowed where a fault struck
                continue;
            }
            if (response->status != 200 || response->body != found->second)
                return stop("request " + std::to_string(response->request_id) + ": status " +
                            std::to_string(response->status) + ", " + std::to_string(response->body.size()) +
                            " body bytes, expected " + std::to_string(found->second.size()));
        }
        while (auto event = client_.events().pull()) {
            if (event->data != "e" + event->id)
                return stop("event " + event->id + " carries " + event->data);
            ++events;
        }
        return answered_.size() == expected_.size() ? stop({}) : false;
    }

private:
    bool stop(std::string why) {
        failure = std::move(why);
        finished = true;
        return true;
    }

    hio::http::Client& client_;
    int index_;
    std::map<std::uint64_t, std::string> expected_;
    std::set<std::uint64_t> answered_;
};

// Pipelines `count` GET /id/N requests at once on a raw connection and checks the answers
// arrive in order, each once. Gives up when nothing arrives for a second (a crashed server
// is silent: TCP alone would wait forever).
class Pipeliner final : public hio::StreamClientDoer {
public:
    Pipeliner(hio::StreamClient& client, int count) : StreamClientDoer{client, 0.0}, count_{count} {}
    std::string failure;
    bool finished = false;
    int answers = 0;
    std::string endpoint;

protected:
    void enter() override {
        StreamClientDoer::enter();
        progress_at_ = tyme();
    }

    bool recur(double tyme) override {
        const bool over = StreamClientDoer::recur(tyme);
        if (!over)
            idle_until(std::min(client().next_deadline(), progress_at_ + 1.0));
        return over;
    }

    bool talk(double tyme) override {
        hio::StreamClient& c = client();
        if (tyme - progress_at_ >= 1.0)
            return stop("lost (silent) after " + std::to_string(answers) + " answers");
        if (c.connection() != nullptr && endpoint.empty())
            endpoint = c.connection()->local_endpoint();  // also of an attempt that never connects
        if (!c.connected()) {
            if (!c.active())
                return stop(answers == count_ ? "" : "lost after " + std::to_string(answers) + " answers");
            idle_between_events();
            return false;
        }
        if (!sent_) {
            std::string requests;
            for (int n = 0; n < count_; ++n)
                requests += "GET /id/" + std::to_string(n) + " HTTP/1.1\r\nHost: server\r\n\r\n";
            sent_ = c.send(requests) == requests.size();
        }
        const std::string arrived = c.receive();
        if (!arrived.empty())
            progress_at_ = tyme;
        got_ += arrived;
        for (;;) {
            const std::size_t head_end = got_.find("\r\n\r\n");
            if (head_end == std::string::npos)
                break;
            const std::size_t length_at = got_.find("Content-Length: ");
            if (got_.compare(0, 15, "HTTP/1.1 200 OK") != 0 || length_at == std::string::npos || length_at > head_end)
                return stop("not a 200 with a Content-Length: " + got_.substr(0, 40));
            const std::size_t length = std::stoul(got_.substr(length_at + 16));
            if (got_.size() < head_end + 4 + length)
                break;
            const std::string body = got_.substr(head_end + 4, length);
            if (body != std::to_string(answers))
                return stop("answer " + std::to_string(answers) + " carries " + body);
            ++answers;
            got_.erase(0, head_end + 4 + length);
        }
        if (answers > count_)
            return stop("more answers than requests");
        if (answers == count_)
            return stop({});
        idle_between_events();
        return false;
    }

private:
    bool stop(std::string why) {
        failure = std::move(why);
        finished = true;
        client().close();
        return true;
    }

    int count_;
    bool sent_ = false;
    double progress_at_ = 0.0;
    std::string got_;
};

struct HttpRun {
    explicit HttpRun(const hio::sim::WorldOptions& options) : world{options} {
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("clients", {.crashable = false});
        tcp.emplace(server_host.network(), hio::StreamServerOptions{.host = "server", .port = 80});
        http.emplace(*tcp, handle);
        server_host.add({&*http});
        for (int i = 0; i < 6; ++i) {
            clients.push_back(std::make_unique<hio::http::Client>(client_host.network(),
                                                                  hio::http::ClientOptions{.timeout = 3.0, .stream_idle_timeout = 2.0}));
            client_doers.push_back(std::make_unique<hio::http::ClientDoer>(*clients.back()));
            users.push_back(std::make_unique<HttpUser>(*clients.back(), i));
            client_host.add({client_doers.back().get(), users.back().get()});
        }
        for (int i = 0; i < 2; ++i) {
            raw.push_back(std::make_unique<hio::StreamClient>(client_host.network(),
                                                             hio::StreamClientOptions{.host = "server", .port = 80}));
            pipeliners.push_back(std::make_unique<Pipeliner>(*raw.back(), 12));
            client_host.add({pipeliners.back().get()});
        }
        world.stop_when([this] {
            return std::all_of(users.begin(), users.end(), [](const auto& u) { return u->finished; }) &&
                   std::all_of(pipeliners.begin(), pipeliners.end(), [](const auto& p) { return p->finished; });
        });
    }

    std::string run(double deadline = 30.0) {
        hio::Doist doist{{.tock = tick, .limit = deadline, .waiter = &world}, world.doers()};
        doist.run();  // a server doer that threw would end the run here with its exception
        const bool faults = !world.faults().empty();
        for (std::size_t i = 0; i < users.size(); ++i) {
            const HttpUser& user = *users[i];
            const std::string who = "http client " + std::to_string(i);
            if (!user.finished)
                return who + " still waiting at the liveness deadline for requests" + user.missing() + fault_list();
            if (!user.failure.empty())
                return who + ": " + user.failure;
            if (!faults && (user.any_error || user.events != 10))
                return who + " met an error or lost events on a network without faults";
        }
        for (std::size_t i = 0; i < pipeliners.size(); ++i) {
            const Pipeliner& p = *pipeliners[i];
            const std::string who = "pipelining client " + std::to_string(i);
            if (!p.finished)
                return who + " still waiting at the liveness deadline, after " + std::to_string(p.answers) +
                       " answers" + (world.met_fault(p.endpoint) ? " (its connection met a fault)" : "") + fault_list();
            if (!p.failure.empty() && (p.failure.rfind("lost", 0) != 0 || !world.met_fault(p.endpoint)))
                return who + ": " + p.failure;
        }
        return {};
    }

    // The faults of the run, for a failure's message.
    [[nodiscard]] std::string fault_list() const {
        std::string out;
        for (const hio::sim::FaultEvent& fault : world.faults())
            out += "\n    at " + std::to_string(fault.tyme) + ": " + fault.what;
        return out;
    }

    hio::sim::World world;
    std::optional<hio::StreamServer> tcp;
    std::optional<hio::http::ServerDoer> http;
    std::vector<std::unique_ptr<hio::http::Client>> clients;
    std::vector<std::unique_ptr<hio::http::ClientDoer>> client_doers;
    std::vector<std::unique_ptr<HttpUser>> users;
    std::vector<std::unique_ptr<hio::StreamClient>> raw;
    std::vector<std::unique_ptr<Pipeliner>> pipeliners;
};

}  // namespace

TEST_CASE("Sweep: HTTP clients (keep-alive, pipelining, chunked, SSE) under faults, each request answered once",
          "[sim][sweep][http]") {
    hio_test::sweep_seeds(hio_test::sanitized ? 30 : 300, [](std::uint64_t seed) {
        hio::sim::WorldOptions options{.seed = seed};
        options.link = {.latency = 0.001, .jitter = 0.002, .split = 0.3, .short_writes = 0.3,
                        .send_window = 16384, .receive_window = 16384};
        hio::sim::FaultOptions most;
        most.reset = 0.2;
        most.drip = 0.05;
        most.black_hole = 0.1;
        most.accept_delay = 0.3;
        most.would_block = 0.01;
        most.partitions = 1;
        most.one_way = 1;
        most.crashes = 1;
        most.horizon = 1.0;
        most.max_length = 0.5;
        options.faults = hio::sim::draw_faults(seed, most);
        HttpRun run{options};
        return hio::sim::SweepRun{run.run(), options.faults.describe()};
    });
}

namespace {

// One HTTP server on "server":80 and one scripted peer; latency and tock are one tick, so the
// peer's SYN is accepted at 1 tick and every reply takes one tick each way.
struct TimeoutRun {
    TimeoutRun(hio::http::ServerOptions http_options, hio::StreamServerOptions tcp_options,
               std::vector<std::pair<double, std::string>> script)
        : world{{.link = {.latency = tick}}} {
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("client");
        tcp_options.host = "server";
        tcp_options.port = 80;
        tcp.emplace(server_host.network(), tcp_options);
        http.emplace(*tcp, handle, http_options);
        server_host.add({&*http});
        client.emplace(client_host.network(), hio::StreamClientOptions{.host = "server", .port = 80});
        peer.emplace(*client, std::move(script));
        client_host.add({&*peer});
        world.stop_when([this] { return peer->done_state().value_or(false); });
        hio::Doist doist{{.tock = tick, .limit = 200.0, .waiter = &world}, world.doers()};
        doist.run();
    }

    hio::sim::World world;
    std::optional<hio::StreamServer> tcp;
    std::optional<hio::http::ServerDoer> http;
    std::optional<hio::StreamClient> client;
    std::optional<hio_test::ScriptedPeer> peer;
};

const std::string get_hello = "GET /id/hello HTTP/1.1\r\nHost: server\r\n\r\n";

}  // namespace

TEST_CASE("HTTP timeouts in virtual time, to the tyme: a silent peer is closed at accept + header_timeout",
          "[sim][http][timeouts]") {
    const TimeoutRun exact{{.header_timeout = 60.0}, {.timer_slack = 0.0}, {}};
    CHECK(exact.peer->received.empty());             // closed without a word
    CHECK(exact.peer->closed_at == 60.0 + 2 * tick);  // accepted at 1 tick, closed at 60 + 1, seen 1 later
    // With the default timer slack the deadline is rounded up to a whole second.
    const TimeoutRun coarse{{.header_timeout = 60.0}, {}, {}};
    CHECK(coarse.peer->closed_at == 61.0 + tick);
}

TEST_CASE("HTTP timeouts in virtual time: an unfinished header gets 408 at accept + header_timeout",
          "[sim][http][timeouts]") {
    const TimeoutRun run{{.header_timeout = 60.0}, {.timer_slack = 0.0}, {{0.0, "GET /id/x HTTP/1.1\r\nHost: s"}}};
    CHECK_THAT(run.peer->received, Catch::Matchers::StartsWith("HTTP/1.1 408 "));
    CHECK(run.peer->first_byte_at == 60.0 + 2 * tick);
    CHECK(run.peer->closed_at == 60.0 + 2 * tick);
}

TEST_CASE("HTTP timeouts in virtual time: a slow body gets 408 at its first byte + request_timeout",
          "[sim][http][timeouts]") {
    const TimeoutRun run{{.header_timeout = 60.0, .request_timeout = 30.0},
                         {.timer_slack = 0.0},
                         {{0.0, "POST /echo HTTP/1.1\r\nHost: s\r\nContent-Length: 10\r\n\r\nabc"}}};
    // Sent when connected (2 ticks), its first byte arrived at 3 ticks.
    CHECK_THAT(run.peer->received, Catch::Matchers::StartsWith("HTTP/1.1 408 "));
    CHECK(run.peer->first_byte_at == 30.0 + 4 * tick);
}

TEST_CASE("HTTP timeouts in virtual time: a kept-alive connection closes at its answer + keep_alive_timeout",
          "[sim][http][timeouts]") {
    const TimeoutRun run{{.keep_alive_timeout = 75.0}, {.timer_slack = 0.0}, {{0.0, get_hello}}};
    CHECK_THAT(run.peer->received, Catch::Matchers::EndsWith("hello"));
    CHECK_THAT(run.peer->received, Catch::Matchers::Contains("Keep-Alive: timeout=75"));
    CHECK(run.peer->first_byte_at == 4 * tick);         // answered in the pass the request arrived
    CHECK(run.peer->closed_at == 75.0 + 4 * tick);      // answered at 3 ticks, closed 75 later
}

TEST_CASE("HTTP over the simulation replays byte for byte: the Date field follows the virtual clock",
          "[sim][http][trace]") {
    const TimeoutRun first{{.keep_alive_timeout = 5.0}, {}, {{0.0, get_hello}, {3.0, get_hello}}};
    const TimeoutRun second{{.keep_alive_timeout = 5.0}, {}, {{0.0, get_hello}, {3.0, get_hello}}};
    CHECK_THAT(first.peer->received, Catch::Matchers::Contains("Date: Thu, 01 Jan 2026 00:00:00 GMT"));
    CHECK_THAT(first.peer->received, Catch::Matchers::Contains("Date: Thu, 01 Jan 2026 00:00:03 GMT"));
    CHECK(first.peer->received == second.peer->received);
    CHECK(first.world.trace().hex() == second.world.trace().hex());
}

TEST_CASE("The client's pool keeps at most max_per_origin connections to one origin, the rest wait their turn",
          "[sim][http][client]") {
    hio::sim::World world{{.seed = 3, .link = {.latency = 0.01}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer tcp{server_host.network(), {.host = "server", .port = 80}};
    hio::http::ServerDoer http{tcp, [](const hio::http::Request& request, hio::http::Response& response) {
                                   response.body = "hi " + request.path;
                               }};
    server_host.add({&http});
    hio::http::Client client{client_host.network(), {.max_connections = 6, .max_per_origin = 2}};
    hio::http::ClientDoer doer{client};
    client_host.add({&doer});
    for (int i = 0; i < 6; ++i)
        client.get("http://server/" + std::to_string(i));
    std::vector<hio::http::ClientResponse> answers;
    world.stop_when([&] {
        while (auto answer = client.responses().pull())
            answers.push_back(std::move(*answer));
        return answers.size() == 6;
    });
    hio::Doist doist{{.tock = 1.0 / 1024, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    REQUIRE(answers.size() == 6);
    for (const auto& answer : answers)
        CHECK(answer.status == 200);
    CHECK(tcp.accepted() == 2);  // six requests, two kept-alive connections
    CHECK(http.requests() == 6);
    CHECK_THROWS_AS((hio::http::Client{client_host.network(), {.max_connections = 0}}), hio::ValidationError);
}

TEST_CASE("A multipart upload goes to its BodySink piece by piece as it crosses a slow link, not held whole",
          "[sim][http][multipart]") {
    hio::sim::World world{{.seed = 5, .link = {.latency = 0.01, .bandwidth = 1'000'000, .split = 0.3}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer tcp{server_host.network(), {.host = "server", .port = 80}};
    std::vector<std::string> parts;  // what the sink got, part by part
    std::vector<std::size_t> pieces;  // on_data calls per part
    double first_data = -1.0, ended = -1.0;
    hio::http::ServerDoer* server = nullptr;
    hio::http::ServerDoer http{
        tcp,
        [&](const hio::http::Request& request, hio::http::Response& response) {
            response.body = request.body_sink && request.body.empty() ? "streamed" : "held";
        },
        {.max_body_bytes = 16 * 1024, .body_sink = [&](const hio::http::Request& request) {
             return std::make_shared<hio::http::MultipartSink>(
                 request, hio::http::MultipartParser::Sinks{
                              .on_part = [&](const hio::http::PartHeader&) {
                                  parts.emplace_back();
                                  pieces.push_back(0);
                              },
                              .on_data = [&](std::string_view data) {
                                  if (first_data < 0.0)
                                      first_data = server->tyme();
                                  parts.back().append(data);
                                  ++pieces.back();
                              },
                              .on_end = [&] { ended = server->tyme(); }});
         }}};
    server = &http;
    server_host.add({&http});
    std::string photo(200'000, '\0');
    for (std::size_t i = 0; i < photo.size(); ++i)
        photo[i] = static_cast<char>(i * 131 >> 3);
    hio::http::MultipartBuilder upload;
    upload.field("title", "holiday").file("photo", "a.bin", "application/octet-stream", photo);
    hio::http::Client client{client_host.network()};
    hio::http::ClientDoer doer{client};
    client_host.add({&doer});
    client.request({.method = "POST", .url = "http://server/upload",
                    .headers = {{"Content-Type", upload.content_type()}}, .body = upload.body()});
    const auto answer = first_answer(world, client).response;
    REQUIRE(answer.has_value());
    CHECK(answer->status == 200);
    CHECK(answer->body == "streamed");
    REQUIRE(parts.size() == 2);
    CHECK(parts[0] == "holiday");
    CHECK(parts[1] == photo);  // byte for byte, through short reads
    CHECK(pieces[1] > 10);     // in many pieces, as they arrived
    CHECK(first_data < 0.05);  // the first bytes went to the sink at once...
    CHECK(ended > 0.19);       // ...the last after 200 kB at 1 MB/s
}

TEST_CASE("StaticFiles over a network that cannot sendfile reads the file in chunks as a slow link takes them",
          "[sim][http][static]") {
    const std::string root = hio_test::temp_path("sim_static");
    std::filesystem::create_directories(root);
    std::string content(300'000, '\0');
    for (std::size_t i = 0; i < content.size(); ++i)
        content[i] = static_cast<char>(i * 31 >> 4);
    { std::ofstream{root + "/big.bin", std::ios::binary} << content; }
    hio::sim::World world{{.seed = 9, .link = {.latency = 0.01, .bandwidth = 1'000'000, .split = 0.2}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer tcp{server_host.network(), {.host = "server", .port = 80}};
    hio::http::StaticFiles files{{.root = root, .chunk = 4096}};
    hio::http::ServerDoer http{tcp, std::ref(files)};
    server_host.add({&http, &files.doer()});
    hio::http::Client client{client_host.network()};
    hio::http::ClientDoer doer{client};
    client_host.add({&doer});
    client.get("http://server/big.bin");
    std::size_t most_streaming = 0;
    const FirstAnswer first =
        first_answer(world, client, [&] { most_streaming = std::max(most_streaming, files.streaming()); });
    const auto& answer = first.response;
    REQUIRE(answer.has_value());
    CHECK(answer->status == 200);
    CHECK(answer->body == content);
    CHECK(files.sent_by_kernel() == 0);  // the simulated transport has no sendfile: read and copied
    CHECK(most_streaming == 1);
    CHECK(first.tyme > 0.3);  // 300 kB at 1 MB/s
    std::filesystem::remove_all(root);
}
