// io/wire_log.hpp: the capture format read back bit for bit, its errors named by line, and
// WireLogNetwork recording a session over the simulated network, in virtual time.
#include <cstring>
#include <sstream>
#include <string>

#include <hio/io/wire_log.hpp>
#include <hio/sim.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

TEST_CASE("A wire log writes and reads back every byte and every tyme, bit for bit", "[io][wire_log]") {
    hio::WireLog log;
    log.epoch(1767225600.125);
    std::string every_byte;
    for (int b = 0; b < 256; ++b)
        every_byte.push_back(static_cast<char>(b));
    const double tyme = 0.1 + 0.2;  // 0.30000000000000004: needs all 17 digits
    const std::uint64_t id = log.next_connection();
    log.add({0.0, id, hio::WireRecord::Kind::accept, "10.0.0.1:7 10.0.0.2:40000"});
    log.add({tyme, id, hio::WireRecord::Kind::rx, every_byte});
    log.add({tyme, id, hio::WireRecord::Kind::tx, ""});
    log.add({1.5, id, hio::WireRecord::Kind::error, "system:104 Connection reset by peer"});
    log.add({1.5, id, hio::WireRecord::Kind::close, ""});
    std::stringstream text;
    log.write(text);
    CHECK(text.str().rfind("hio-wirelog 1\nepoch ", 0) == 0);
    const hio::WireLog back = hio::WireLog::read(text);
    REQUIRE(back.records().size() == log.records().size());
    for (std::size_t i = 0; i < back.records().size(); ++i)
        CHECK(back.records()[i] == log.records()[i]);
    CHECK(back.records()[1].tyme == tyme);  // not 0.3
    CHECK(back.epoch() == log.epoch());
}

TEST_CASE("A wire log that cannot be read says which line and why", "[io][wire_log]") {
    const auto read = [](const std::string& text) {
        std::istringstream in{text};
        return hio::WireLog::read(in);
    };
    CHECK_THROWS_WITH(read(""), Catch::Contains("no \"hio-wirelog 1\" header"));
    CHECK_THROWS_WITH(read("hio-wirelog 2\n"), Catch::Contains("line 1") && Catch::Contains("not a version 1"));
    CHECK_THROWS_WITH(read("hio-wirelog 1\n0.5 1 rx abc\n"), Catch::Contains("line 2: odd hex payload"));
    CHECK_THROWS_WITH(read("hio-wirelog 1\n0.5 1 rx zz\n"), Catch::Contains("line 2: bad hex digit"));
    CHECK_THROWS_WITH(read("hio-wirelog 1\n# a comment\n\n0.5 1 teleport\n"),
                      Catch::Contains("line 4: unknown record kind \"teleport\""));
    CHECK_THROWS_WITH(read("hio-wirelog 1\nepoch soon\n"), Catch::Contains("line 2: the epoch is not a number"));
    CHECK(read("hio-wirelog 1\n# only a comment\n").records().empty());
}

TEST_CASE("WireLogNetwork records a session over the simulation: connects, bytes, closes, at their tymes",
          "[io][wire_log]") {
    hio::sim::World world{{.seed = 5, .link = {.latency = 1.0 / 64}}};  // on the tick grid: exact tymes
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer server{server_host.network(), {.host = "server", .port = 7}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    hio::WireLog log;
    hio::Doist doist{{.tock = hio_test::tick, .limit = 2.0, .waiter = &world}, world.doers()};
    hio::WireLogNetwork logged{client_host.network(), log, doist};
    hio::StreamClient client{logged, {.host = "server", .port = 7}};
    hio_test::EchoClientDoer talker{client, 1, 5};
    client_host.add({&talker});
    world.stop_when([&] { return talker.ok(); });
    doist.run();
    REQUIRE(talker.ok());
    std::string kinds;
    for (const hio::WireRecord& record : log.records())
        kinds += std::string{hio::WireLog::kind_name(record.kind)} + " ";
    CHECK(kinds == "connect connected tx rx shutdown close ");  // the client half-closes, then closes
    const auto& records = log.records();
    CHECK(records[0].data == "server:7");
    CHECK(records[0].tyme == 0.0);
    CHECK(records[1].tyme == 2.0 / 64);  // one round trip: SYN, SYN-ACK
    CHECK(records[2].tyme == 2.0 / 64);  // sent in the pass it connected
    CHECK(records[2].data.size() == 5);
    CHECK(records[3].data == records[2].data);  // the echo
    CHECK(records[3].tyme == 4.0 / 64);         // back after another round trip
    CHECK(log.epoch() == hio::Tymist::virtual_epoch);
}
