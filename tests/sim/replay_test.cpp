// Capture and replay: a WireLog of an HTTP session over real loopback sockets (python's
// http.client and a raw pipelining socket), fed back through the simulation into the same
// server doers in virtual time, makes the server send the same bytes.
#include <sstream>
#include <string>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/net.hpp"

namespace {

void replay_handler(const hio::http::Request& request, hio::http::Response& response) {
    if (request.path == "/echo") {
        response.headers.set("Content-Type", "application/octet-stream");
        response.body = request.body;
    } else if (request.path.rfind("/id/", 0) == 0) {
        response.body = "id " + request.path.substr(4) + "\n";
    } else if (request.path == "/chunked") {
        const auto body = response.stream();
        body->write("first piece, ");
        body->write("second piece\n");
        body->end();
    } else {
        response.status = 404;
    }
}

const std::string session =
    "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
    "for path in ('/id/1', '/chunked', '/missing'):\n"
    "    c.request('GET', path); r = c.getresponse(); r.read(); print(path, r.status)\n"
    "    time.sleep(0.03)\n"
    "c.request('POST', '/echo', body=b'x' * 70000); r = c.getresponse(); assert len(r.read()) == 70000\n"
    "c.request('POST', '/echo', body=iter([b'chunked ', b'body']), encode_chunked=True)\n"
    "r = c.getresponse(); assert r.read() == b'chunked body'\n"
    "c.close()\n"
    "s = socket.create_connection(('127.0.0.1', PORT), timeout=5)\n"
    "s.sendall(b'GET /id/2 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\nGET /id/3 HTTP/1.1\\r\\nHost: h\\r\\nConnection: close\\r\\n\\r\\n')\n"
    "got = b''\n"
    "while True:\n"
    "    chunk = s.recv(65536)\n"
    "    if not chunk: break\n"
    "    got += chunk\n"
    "assert got.count(b'HTTP/1.1 200') == 2, got\n"
    "print('done')\n";

}  // namespace

TEST_CASE("A capture of a real HTTP session replays through the simulation byte for byte", "[sim][replay][epoll]") {
    constexpr double tock = 0.01;
    // --- Capture: real sockets, real time, a real client ---
    std::ostringstream file;  // the text format, written as it happens
    hio::WireLog capture{file};
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};
    hio::Doist doist{{.tock = tock, .limit = 20.0, .real = true, .waiter = &reactor}};
    hio::WireLogNetwork logged{network, capture, doist};
    hio::StreamServer tcp{logged, {.port = 0}};
    hio::http::ServerDoer http{tcp, replay_handler};
    tcp.open();
    const std::string output = hio_test::temp_path("replay_out");
    hio_test::ProcessDoer client{
        {"python3", "-c", "import socket, sys, time, http.client\nPORT = " + std::to_string(tcp.port()) + "\n" + session},
        {},
        output};
    hio_test::Until stop{[&] {
        if (client.done())
            doist.request_stop();
        return client.done();
    }};
    doist.run({&http, &client, &stop});
    INFO(hio_test::slurp(output));
    std::remove(output.c_str());
    REQUIRE(client.exit_code() == 0);
    REQUIRE(capture.records().size() > 10);

    // The text format reads back to the same records.
    std::istringstream text{file.str()};
    const hio::WireLog reread = hio::WireLog::read(text);
    CHECK(reread.records() == capture.records());
    CHECK(reread.epoch() == capture.epoch());
    CHECK_THROWS_WITH(hio::WireLog::read(*std::make_unique<std::istringstream>("hio-wirelog 2\n")),
                      Catch::Contains("line 1: not a version 1 wire log"));

    // --- Replay: the same server doers over the simulation, in virtual time ---
    hio::sim::World world{{.link = hio::sim::Replay::link()}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& peers = world.host("peers");
    hio::StreamServer sim_tcp{server_host.network(), {.host = "server", .port = 80}};
    hio::http::ServerDoer sim_http{sim_tcp, replay_handler};
    server_host.add({&sim_http});
    hio::sim::Replay replay{reread, peers.network(), "server", 80, tock};
    peers.add({&replay});
    world.stop_when([&] { return replay.done(); });
    hio::Doist virtual_doist{{.tock = tock, .limit = 30.0, .tyme = -tock, .waiter = &world, .epoch = reread.epoch()},
                             world.doers()};
    virtual_doist.run();
    CHECK(replay.done());
    CHECK(replay.connections() == 2);
    INFO(replay.compare());
    CHECK(replay.compare().empty());
    CHECK_THAT(replay.replayed(0), Catch::Contains("first piece, second piece"));
    CHECK_THAT(replay.replayed(0), Catch::Contains("Date: "));  // the same Date: the capture's clock
}
