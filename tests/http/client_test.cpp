// The HTTP client doer against a server we did not write (Python's http.server) and against
// our own server (streams, SSE, HTTPS). Loopback only, port 0, bounded.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/http.hpp"
#include "support/net.hpp"

using hio::http::ClientResponse;
using hio::http::Event;
using hio_test::NetRig;
using hio_test::ProcessDoer;

namespace hio::http {
// For Catch's messages.
std::ostream& operator<<(std::ostream& out, const Event& event) {
    return out << "{id=" << event.id << " event=" << event.event << " data=" << event.data
               << " retry=" << (event.retry ? std::to_string(*event.retry) : "-") << "}";
}
}  // namespace hio::http

namespace {

// Python's http.server (tests/http/peer_http_server.py) on a free port.
struct PythonServer {
    std::string port_file = hio_test::temp_path("py_http_port");
    ProcessDoer process{{"python3", HIO_TEST_SOURCE_DIR "/http/peer_http_server.py", port_file}};
    std::uint16_t port = 0;

    // True once the server is listening (its port read from the file).
    bool ready() {
        if (port != 0)
            return true;
        std::FILE* file = std::fopen(port_file.c_str(), "r");
        if (file == nullptr)
            return false;
        unsigned value = 0;
        if (std::fscanf(file, "%u", &value) == 1)
            port = static_cast<std::uint16_t>(value);
        std::fclose(file);
        return port != 0;
    }
    ~PythonServer() { std::remove(port_file.c_str()); }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

// Runs the Python server and `doer` (a ClientDoer of `client`); once the server listens,
// calls `queue` to make requests, then runs until every request is answered. Returns the
// responses in order.
std::vector<ClientResponse> answers(NetRig& rig, hio::http::Client& client, hio::Doer& doer, PythonServer& python,
                                    const std::function<void()>& queue, double limit = 20.0) {
    std::vector<ClientResponse> got;
    bool queued = false;
    rig.run_until({&python.process, &doer}, [&] {
        if (!queued) {
            if (!python.ready())
                return false;
            queue();
            queued = true;
        }
        while (auto response = client.responses().pull())
            got.push_back(std::move(*response));
        return client.idle() && client.responses().empty();
    }, limit);
    return got;
}

}  // namespace

TEST_CASE("Client requests are validated when queued", "[http][client]") {
    NetRig rig;
    hio::http::Client client{rig.network};
    CHECK_THROWS_WITH(client.get("https://127.0.0.1:1/"), Catch::Contains("needs a TLS network"));
    CHECK_THROWS_AS(client.request({.method = "GE T", .url = "http://h/"}), hio::ValidationError);
    CHECK_THROWS_WITH(client.request({.url = "http://h/", .headers = {{"X-A", "1\r\nX-Evil: 2"}}}),
                      Catch::Contains("holds CR, LF or NUL"));
    CHECK_THROWS_AS(client.request({.url = "http://h/", .headers = {{"Bad Name", "1"}}}), hio::ValidationError);
    CHECK_THROWS_AS(client.request({.url = "http://h/", .headers = {{"Transfer-Encoding", "chunked"}}}),
                    hio::ValidationError);
    CHECK_THROWS_AS(hio::http::Client(rig.network, {.timeout = -1.0}), hio::ValidationError);
    CHECK(client.idle());
}

TEST_CASE("Our client against Python's http.server: keep-alive, chunked, redirects, HEAD, errors",
          "[http][client][peer]") {
    NetRig rig;
    hio::http::Client client{rig.network, {.timeout = 1.0, .max_redirects = 3}};
    hio::http::ClientDoer doer{client};
    PythonServer python;
    const std::vector<ClientResponse> got = answers(rig, client, doer, python, [&] {
    client.get(python.url("/hello"));
    client.get(python.url("/hello"));
    client.request({.method = "POST", .url = python.url("/echo"), .headers = {{"X-Test", "yes"}}, .body = "posted"});
    client.get(python.url("/chunked"));
    client.get(python.url("/redirect"));
    client.get(python.url("/relative/redirect"));
    client.request({.method = "POST", .url = python.url("/see-other"), .body = "dropped"});
    client.get(python.url("/loop"));
    client.request({.method = "HEAD", .url = python.url("/hello")});
    client.get(python.url("/close"));
    client.get(python.url("/slow"));
    client.get("http://127.0.0.1:" + std::to_string(hio_test::unused_port()) + "/refused");
    client.get(python.url("/partial"));
    client.get(python.url("/count"));
    }, 30.0);
    REQUIRE(got.size() == 14);
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO(i << ": " << got[i].url << " " << got[i].status << " " << got[i].message);
        CHECK(got[i].request_id == i + 1);
    }
    CHECK(got[0].ok());
    CHECK(got[0].status == 200);
    CHECK(got[0].reason == "OK");
    CHECK(got[0].headers.value("content-type") == "text/plain");
    CHECK(got[0].body == "hello\n");
    CHECK(got[1].body == "hello\n");
    CHECK(got[2].body == "POST x=yes body=posted");
    CHECK(got[3].body == "chunk one, chunk two, " + std::string(70000, 'x'));
    CHECK(got[4].body == "hello\n");
    CHECK(got[4].redirects == 1);
    CHECK(got[4].url == python.url("/hello"));
    CHECK(got[5].url == python.url("/hello"));
    CHECK(got[6].body == "GET x= body=");  // 303: GET without the body
    CHECK(got[6].redirects == 1);
    CHECK_FALSE(got[7].ok());
    CHECK(got[7].error == hio::http::Errc::too_many_redirects);
    CHECK(got[7].message == "too many redirects (3)");
    CHECK(got[7].status == 302);
    CHECK(got[8].status == 200);
    CHECK(got[8].headers.value("Content-Length") == "6");
    CHECK(got[8].body.empty());
    CHECK(got[9].body == "until the close");
    CHECK_FALSE(got[10].ok());
    CHECK(got[10].error == hio::http::Errc::timeout);
    CHECK(got[10].error == std::errc::timed_out);  // the same condition
    CHECK(got[10].message.find("timed out") != std::string::npos);
    CHECK_FALSE(got[11].ok());
    CHECK(got[11].error == std::errc::connection_refused);
    CHECK(got[11].message.find("refused") != std::string::npos);
    CHECK_FALSE(got[12].ok());  // hio waited forever here (its quirk 12)
    CHECK(got[12].error == hio::http::Errc::closed_early);
    CHECK(got[12].message.find("closed before the response was complete") != std::string::npos);
    // Python saw four connections: /hello to /close (which the server ends), /slow
    // (abandoned at its timeout), /partial, /count.
    CHECK(got[13].body == "4");
}

TEST_CASE("After a request that said Connection: close, the next one goes on a new connection",
          "[http][client][peer]") {
    // Python's http.server, like hio's WSGI server, closes after a request that asked to close
    // and says nothing about it in the response. Writing the next request into that
    // connection (RFC 9112 9.6 forbids it) lost a following POST.
    NetRig rig;
    hio::http::Client client{rig.network};
    hio::http::ClientDoer doer{client};
    PythonServer python;
    const auto got = answers(rig, client, doer, python, [&] {
        client.request({.method = "POST", .url = python.url("/echo"), .headers = {{"Connection", "close"}}, .body = "one"});
        client.request({.method = "POST", .url = python.url("/echo"), .body = "two"});
    });
    REQUIRE(got.size() == 2);
    INFO(got[1].message);
    CHECK(got[0].body == "POST x= body=one");
    CHECK(got[1].ok());
    CHECK(got[1].body == "POST x= body=two");
    CHECK(client.connections_opened() == 2);
}

TEST_CASE("An early answer to an upload does not reuse the connection, a 304 ends at its headers",
          "[http][client][peer]") {
    NetRig rig;
    hio::http::Client client{rig.network, {.timeout = 5.0, .buffer_size = 4096}};
    hio::http::ClientDoer doer{client};
    PythonServer python;
    const std::vector<ClientResponse> got = answers(rig, client, doer, python, [&] {
        client.request({.method = "POST", .url = python.url("/early"), .body = std::string(20000000, 'u')});  // more than socket buffers hold
        client.get(python.url("/hello"));
        client.get(python.url("/not-modified"));
        client.get(python.url("/hello"));
    });
    REQUIRE(got.size() == 4);
    INFO(got[0].message);
    CHECK(got[0].status == 401);
    CHECK(got[1].body == "hello\n");  // on a new connection: the server still expects upload bytes
    CHECK(got[2].status == 304);
    CHECK(got[2].body.empty());
    CHECK(got[3].body == "hello\n");  // the 304's Content-Length did not swallow this answer
    CHECK(client.connections_opened() == 2);
}

TEST_CASE("Our client reads Python's event stream into events, byte-exact", "[http][client][sse][peer]") {
    NetRig rig;
    hio::http::Client client{rig.network};
    hio::http::ClientDoer doer{client};
    PythonServer python;
    const std::vector<ClientResponse> got =
        answers(rig, client, doer, python, [&] { client.get(python.url("/events"), {{"Accept", "text/event-stream"}}); });
    REQUIRE(got.size() == 1);
    INFO(got[0].message);
    CHECK(got[0].ok());
    CHECK(got[0].headers.value("Content-Type") == "text/event-stream");
    CHECK(got[0].body.empty());
    std::vector<Event> events;
    while (auto event = client.events().pull())
        events.push_back(std::move(*event));
    CHECK(events == std::vector<Event>{{.id = "1", .event = "greeting", .data = "hello"},
                                       {.id = "1", .event = "message", .data = "two\nlines"},
                                       {.id = "3", .event = "message", .data = "last"}});
    CHECK(client.last_event_id() == "3");
}

TEST_CASE("Our client against our server: streamed bodies, SSE with Last-Event-ID, a full event deck",
          "[http][client][sse]") {
    std::vector<hio::http::EventStream> streams;
    std::shared_ptr<hio::http::BodyStream> body;
    hio_test::HttpRig server{[&](const hio::http::Request& request, hio::http::Response& response) {
        if (request.path == "/events") {
            streams.emplace_back(request, response, hio::http::EventStreamOptions{.heartbeat = 0.05});
            hio::http::EventStream& stream = streams.back();
            stream.send({.data = "since " + stream.last_event_id()});
            for (int i = 0; i < 20; ++i)
                stream.send({.id = std::to_string(i), .event = "n", .data = std::to_string(i * i)});
            stream.end();
        } else if (request.path == "/stream") {
            body = response.stream({.capacity = 1000});
            body->write(std::string(1000, 's'));
        } else {
            response.body = "plain " + request.path;
        }
    }};
    // The streamed body is finished by this doer, a few passes later.
    hio_test::Until finisher{[&] {
        if (body && body->room() > 0) {
            body->write("end");
            body->end();
            body.reset();
        }
        return false;
    }};
    hio::http::Client client{server.rig.network, {.max_events = 5}};
    hio::http::ClientDoer doer{client};
    client.get("http://127.0.0.1:" + server.port() + "/a");
    client.get("http://127.0.0.1:" + server.port() + "/stream");
    client.get("http://127.0.0.1:" + server.port() + "/events", {{"Last-Event-ID", "41"}});
    client.get("http://127.0.0.1:" + server.port() + "/b");
    std::vector<ClientResponse> got;
    std::vector<Event> events;
    std::size_t most_events = 0;
    server.rig.run_until({&server.http, &finisher, &doer}, [&] {
        most_events = std::max(most_events, client.events().size());
        if (client.events().size() == 5 || got.size() >= 2)  // a slow consumer: reads only when full
            while (auto event = client.events().pull())
                events.push_back(std::move(*event));
        while (auto response = client.responses().pull())
            got.push_back(std::move(*response));
        return got.size() == 4;
    }, 20.0);
    REQUIRE(got.size() == 4);
    INFO(got[2].message);
    CHECK(got[0].body == "plain /a");
    CHECK(got[1].body == std::string(1000, 's') + "end");
    CHECK(got[1].headers.value("Transfer-Encoding") == "chunked");
    CHECK(got[2].ok());
    CHECK(got[3].body == "plain /b");
    REQUIRE(events.size() == 21);
    CHECK(events[0] == Event{.id = "41", .event = "message", .data = "since 41"});  // the id carries over
    for (int i = 0; i < 20; ++i)
        CHECK(events[static_cast<std::size_t>(i) + 1] ==
              Event{.id = std::to_string(i), .event = "n", .data = std::to_string(i * i)});
    CHECK(most_events <= 5);  // the deck never held more than max_events
    CHECK(client.connections_opened() == 2);  // the event stream's connection ends with it
}

#if !defined(_WIN32)  // TLS: no OpenSSL for Windows here
TEST_CASE("Our client over HTTPS to our server, with the CA checked", "[http][client][tls]") {
    NetRig rig;
    const hio_test::SelfSignedCertificate pem;
    hio::tls::Context server_tls{hio::tls::Role::server,
                                 {.certificate_file = pem.certificate(), .key_file = pem.key()}};
    hio::tls::Network server_network{rig.network, server_tls};
    hio::StreamServer tcp{server_network, {}};
    hio::http::ServerDoer http{tcp, [](const hio::http::Request& request, hio::http::Response& response) {
        response.body = "secure " + request.path;
        if (request.path == "/down") {
            response.status = 302;
            response.headers.set("Location", "http://127.0.0.1:1/plain");
        }
    }};
    tcp.open();
    hio::tls::Context client_tls{hio::tls::Role::client, {.ca_file = pem.certificate()}};
    hio::tls::Network client_network{rig.network, client_tls};
    hio::tls::Context untrusting_tls{hio::tls::Role::client, {}};  // the system store: does not know it
    hio::tls::Network untrusting_network{rig.network, untrusting_tls};
    hio::http::Client client{rig.network, {}, &client_network};
    hio::http::Client doubter{rig.network, {}, &untrusting_network};
    hio::http::ClientDoer doer{client};
    hio::http::ClientDoer doubter_doer{doubter};
    const std::string base = "https://127.0.0.1:" + std::to_string(tcp.port());
    client.get(base + "/one");
    client.get(base + "/two");
    client.get(base + "/down");
    doubter.get(base + "/three");
    std::vector<ClientResponse> got;
    std::optional<ClientResponse> refused;
    rig.run_until({&http, &doer, &doubter_doer}, [&] {
        while (auto response = client.responses().pull())
            got.push_back(std::move(*response));
        if (auto response = doubter.responses().pull())
            refused = std::move(*response);
        return got.size() == 3 && refused;
    }, 20.0);
    REQUIRE(got.size() == 3);
    CHECK(got[2].error == hio::http::Errc::refused_downgrade);
    CHECK(got[2].message == "refusing the redirect from https to http://127.0.0.1:1/plain");
    CHECK(got[0].body == "secure /one");
    CHECK(got[1].body == "secure /two");
    CHECK(client.connections_opened() == 1);
    REQUIRE(refused);
    CHECK_FALSE(refused->ok());
    CHECK(refused->error.category().name() == std::string{"openssl"});
    CHECK(refused->message.find("certificate verify failed") != std::string::npos);
}
#endif

TEST_CASE("Our client skips 100 Continue, and resumes an event stream with Last-Event-ID",
          "[http][client][sse]") {
    std::vector<std::string> asked_after;  // Last-Event-ID of each /events request
    hio_test::HttpRig server{[&](const hio::http::Request& request, hio::http::Response& response) {
        if (request.path == "/echo") {
            response.body = "got " + request.body;
            return;
        }
        hio::http::EventStream stream{request, response, {.retry = 50}};
        asked_after.push_back(stream.last_event_id());
        const int from = stream.last_event_id().empty() ? 0 : std::stoi(stream.last_event_id());
        for (int id = from + 1; id <= from + 3; ++id)
            stream.send({.id = std::to_string(id), .data = "event " + std::to_string(id)});
        stream.end();  // the client comes back after 50 ms for the next three
    }};
    hio::http::Client client{server.rig.network, {.resume_streams = true}};
    hio::http::ClientDoer doer{client};
    const std::string base = "http://127.0.0.1:" + server.port();
    client.request({.method = "POST", .url = base + "/echo", .headers = {{"Expect", "100-continue"}}, .body = "b"});
    client.get(base + "/events");
    std::vector<ClientResponse> got;
    std::vector<Event> events;
    server.rig.run_until({&server.http, &doer}, [&] {
        while (auto event = client.events().pull())
            events.push_back(std::move(*event));
        if (events.size() >= 9)
            client.end_stream();
        while (auto response = client.responses().pull())
            got.push_back(std::move(*response));
        return got.size() == 2;
    }, 20.0);
    REQUIRE(got.size() == 2);
    CHECK(got[0].body == "got b");  // the server's 100 Continue was skipped (hio crashed: quirk 11)
    CHECK(got[1].status == 200);
    CHECK(got[1].headers.value("Content-Type") == "text/event-stream");
    REQUIRE(events.size() >= 9);
    for (std::size_t i = 0; i < 9; ++i)
        CHECK(events[i] == Event{.id = std::to_string(i + 1), .event = "message", .data = "event " + std::to_string(i + 1)});
    REQUIRE(asked_after.size() >= 3);
    CHECK(asked_after[0].empty());
    CHECK(asked_after[1] == "3");
    CHECK(asked_after[2] == "6");
    CHECK(client.stream_resumes() >= 2);
}

TEST_CASE("A GET and a POST queued together get their answers in order", "[http][client]") {
    hio_test::HttpRig server{[](const hio::http::Request& request, hio::http::Response& response) {
        response.body = request.path == "/echo" ? request.body : "hello";
    }};
    hio::Network& network = server.rig.network;
    const std::string base = "http://127.0.0.1:" + server.port();
    // As in the README's client snippet.
    hio::http::Client client{network};      // http; add &tls_network as third argument for https
    hio::http::ClientDoer client_doer{client};
    client.get(base + "/hello");
    client.request({.method = "POST", .url = base + "/echo", .body = "hi"});
    std::vector<std::string> printed;
    server.rig.run_until({&server.http, &client_doer}, [&] {
        // Later passes: one ClientResponse per request, in order, failures included.
        while (auto response = client.responses().pull())
            printed.push_back(std::to_string(response->status) + " " + response->body + response->message);
        return printed.size() == 2;
    }, 20.0);
    CHECK(printed == std::vector<std::string>{"200 hello", "200 hi"});
}

TEST_CASE("A client doer destroyed while a request runs leaves the client no dead doer to wake",
          "[http][client][lifetime]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {}};  // listens, never answers
    server.open();
    hio::http::Client client{rig.network};
    auto doer = std::make_unique<hio::http::ClientDoer>(client);
    hio::Doist doist{{.tock = 0.01, .waiter = &rig.waiter}, {doer.get()}};
    doist.enter();
    client.get("http://127.0.0.1:" + std::to_string(server.port()) + "/");
    doist.recur();  // the request starts: its connection is on its way
    REQUIRE(client.pending() == 1);
    doer.reset();
    CHECK(client.owner() == nullptr);
    hio_test::dispatch_for(rig.waiter, 0.05);  // the connect completes: the socket turns writable
    client.service(0.02);
    CHECK(client.pending() == 1);
}
