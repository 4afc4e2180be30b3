// Server-sent events: the wire format, the WHATWG parsing rules, and an EventStream served to
// Python over a real socket with heartbeats and Last-Event-ID. Loopback only, port 0, bounded.
#include <memory>
#include <string>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/http.hpp"
#include "support/net.hpp"

using hio::http::Event;
using hio::http::EventParser;
using hio_test::raw_exchange;

namespace {

std::vector<Event> parse(const std::string& text, std::size_t piece = std::string::npos) {
    EventParser parser;
    std::vector<Event> events;
    for (std::size_t at = 0; at < text.size(); at += piece)
        parser.feed(std::string_view{text}.substr(at, piece), [&](Event&& event) { events.push_back(std::move(event)); });
    return events;
}

// Sends a scripted series of events to every client that connects, then ends each stream.
class Ticker : public hio::Doer {
public:
    std::vector<hio::http::EventStream> clients;
    std::vector<double> joined;
    std::size_t refused = 0;

protected:
    bool recur(double tyme) override {
        steps_.resize(clients.size());
        joined.resize(clients.size(), tyme);  // a client joins at the first tyme it is seen
        for (std::size_t i = 0; i < clients.size(); ++i) {
            hio::http::EventStream& client = clients[i];
            const double age = tyme - joined[i];
            int& at = steps_[i];
            if (at == 0 && age >= 0.05) {
                refused += client.send({.id = "1", .event = "tick", .data = "first"}) ? 0U : 1U;
                ++at;
            } else if (at == 1 && age >= 0.1) {
                refused += client.send({.data = "two\nlines"}) ? 0U : 1U;
                ++at;
            } else if (at == 2 && age >= 0.15) {
                refused += client.send({.id = "3", .data = "resumed after " + client.last_event_id()}) ? 0U : 1U;
                ++at;
            } else if (at == 3 && age >= 0.7) {  // silent since 0.15: heartbeats keep the stream
                client.end();
                ++at;
            }
        }
        return false;
    }

private:
    std::vector<int> steps_;
};

}  // namespace

TEST_CASE("format_event writes the text/event-stream fields, id and event cannot inject lines", "[http][sse]") {
    CHECK(hio::http::format_event({.data = "x"}) == "data: x\n\n");
    CHECK(hio::http::format_event({.id = "7", .event = "update", .data = "a\nb\r\nc\rd", .retry = 2500}) ==
          "id: 7\nevent: update\nretry: 2500\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    CHECK(hio::http::format_event({}) == "data: \n\n");
    CHECK_THROWS_AS(hio::http::format_event({.id = "1\nevent: evil"}), hio::ValidationError);
    CHECK_THROWS_WITH(hio::http::format_event({.event = "a\rb"}), Catch::Contains("event must not hold CR"));
}

TEST_CASE("EventParser follows the WHATWG rules, whatever the split of the bytes", "[http][sse]") {
    const std::string text =
        "\xEF\xBB\xBF"                   // a BOM at the start is skipped
        ": a comment\n"
        "data: first\n\n"                 // type defaults to message
        "event: add\r\ndata:no space\r\ndata:  two spaces\r\nid: 5\r\n\r\n"
        "id: 6\rretry: 3000\rdata\r\r"    // CR line ends; "data" with no colon is an empty line of data
        "event: lonely\n\n"               // no data: not dispatched, type forgotten
        "retry: soon\nunknown: x\ndata: after\n\n"  // a bad retry and an unknown field are ignored
        "data: never finished";           // no blank line: not dispatched
    const std::vector<Event> expected{
        {.id = "", .event = "message", .data = "first"},
        {.id = "5", .event = "add", .data = "no space\n two spaces"},
        {.id = "6", .event = "message", .data = "", .retry = 3000},
        {.id = "6", .event = "message", .data = "after"},
    };
    for (const std::size_t piece : {std::string::npos, std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
        INFO("piece " << piece);
        CHECK(parse(text, piece) == expected);
    }
    EventParser parser;
    parser.feed(text, [](Event&&) {});
    CHECK(parser.last_event_id() == "6");
    CHECK(parser.retry() == 3000);
    // What format_event writes, parse reads back (CRLF in data becomes LF).
    const Event event{.id = "42", .event = "e", .data = "x\ny\n", .retry = 10};
    CHECK(parse(hio::http::format_event(event)) == std::vector<Event>{event});
    parser.max_line = 8;
    CHECK_THROWS_WITH(parser.feed("data: 0123456789", [](Event&&) {}), Catch::Contains("passed 8 bytes"));
}

TEST_CASE("EventStream queues whole events up to its capacity and sees Last-Event-ID", "[http][sse]") {
    hio::http::Request request;
    request.headers.add("Last-Event-ID", "41");
    hio::http::Response response;
    hio::http::EventStream stream{request, response, {.capacity = 64, .heartbeat = 0.0, .retry = 1000}};
    CHECK(response.headers.value("Content-Type") == "text/event-stream");
    CHECK(response.body_stream);
    CHECK(stream.last_event_id() == "41");
    CHECK(stream.send({.data = std::string(30, 'a')}));             // "retry: 1000\n\n" (13) + 38
    CHECK_FALSE(stream.send({.data = std::string(30, 'b')}));       // would pass 64: nothing queued
    CHECK(stream.body().queued() == 13 + 38);
    CHECK(stream.comment("ok"));
    CHECK(response.body_stream->take() == "retry: 1000\n\ndata: " + std::string(30, 'a') + "\n\n:ok\n\n");
    response.body_stream->close();
    CHECK(stream.closed());
    CHECK_FALSE(stream.send({.data = "late"}));
}

TEST_CASE("Python reads an SSE stream byte-exact, with heartbeats and Last-Event-ID", "[http][sse][peer]") {
    Ticker ticker;
    hio_test::HttpRig server{[&](const hio::http::Request& request, hio::http::Response& response) {
        if (request.path != "/events") {
            response.status = 404;
            return;
        }
        ticker.clients.emplace_back(request, response,
                                    hio::http::EventStreamOptions{.heartbeat = 0.2, .retry = 1500});
    }};
    std::string out;
    const int code = server.python(
        raw_exchange +
            "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)\n"
            "c.request('GET', '/events', headers={'Last-Event-ID': '2', 'Accept': 'text/event-stream'})\n"
            "r = c.getresponse()\n"
            "check(r.status == 200 and r.getheader('Content-Type') == 'text/event-stream' and "
            "r.getheader('Cache-Control') == 'no-cache' and r.getheader('Transfer-Encoding') == 'chunked', 'headers')\n"
            "body = r.read().decode()\n"
            "print(repr(body))\n"
            "check(body.count(':\\n\\n') >= 2, 'heartbeats while silent')\n"
            "check(body.replace(':\\n\\n', '') == 'retry: 1500\\n\\n' 'id: 1\\nevent: tick\\ndata: first\\n\\n' "
            "'data: two\\ndata: lines\\n\\n' 'id: 3\\ndata: resumed after 2\\n\\n', 'events byte-exact')\n",
        out, 20.0, {&ticker});
    INFO(out);
    CHECK(code == 0);
    CHECK(ticker.refused == 0);
}

TEST_CASE("Two thousand SSE clients in one Doist each receive every broadcast event", "[http][sse][client]") {
    constexpr std::size_t clients = 2000;
    std::vector<hio::http::EventStream> streams;
    hio_test::HttpRig server{[&](const hio::http::Request& request, hio::http::Response& response) {
        streams.emplace_back(request, response, hio::http::EventStreamOptions{.capacity = 4096});
    }, {}, {.max_connections = 4096}};
    // Broadcasts three events once every client is subscribed, then ends every stream.
    int sent = 0;
    hio_test::Until broadcaster{[&] {
        if (streams.size() == clients && sent < 3) {
            ++sent;
            for (hio::http::EventStream& stream : streams)
                CHECK(stream.send({.id = std::to_string(sent), .data = "broadcast " + std::to_string(sent)}));
            if (sent == 3)
                for (hio::http::EventStream& stream : streams)
                    stream.end();
        }
        return false;
    }};
    std::vector<std::unique_ptr<hio::http::Client>> consumers;
    std::vector<std::unique_ptr<hio::http::ClientDoer>> doers;
    std::vector<hio::Doer*> running{&server.http, &broadcaster};
    for (std::size_t i = 0; i < clients; ++i) {
        consumers.push_back(std::make_unique<hio::http::Client>(server.rig.network,
                                                                hio::http::ClientOptions{.buffer_size = 4096}));
        doers.push_back(std::make_unique<hio::http::ClientDoer>(*consumers.back()));
        consumers.back()->get("http://127.0.0.1:" + server.port() + "/events");
        running.push_back(doers.back().get());
    }
    std::size_t complete = 0;
    const bool all = server.rig.run_until(running, [&] {
        complete = 0;
        for (const auto& consumer : consumers)
            complete += consumer->responses().size() == 1 ? 1U : 0U;
        return complete == clients;
    }, 60.0);
    CHECK(all);
    CHECK(complete == clients);
    std::size_t exact = 0;
    for (const auto& consumer : consumers) {
        std::vector<Event> events;
        while (auto event = consumer->events().pull())
            events.push_back(std::move(*event));
        exact += events == std::vector<Event>{{.id = "1", .event = "message", .data = "broadcast 1"},
                                              {.id = "2", .event = "message", .data = "broadcast 2"},
                                              {.id = "3", .event = "message", .data = "broadcast 3"}}
                     ? 1U
                     : 0U;
    }
    CHECK(exact == clients);
    CHECK(server.tcp.accepted() == clients);
}
