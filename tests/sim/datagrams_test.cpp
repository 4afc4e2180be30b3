// Datagrams over the simulated network: the same udp::Peer and doers as over real sockets, in
// virtual time, with exact latencies, and loss, duplication, reordering and truncation drawn
// from the seed.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <hio/sim.hpp>
#include <hio/udp.hpp>

#include "catch.hpp"

namespace {

// Sends `count` numbered datagrams to `to` in its first run and keeps what comes back, with
// the tyme of each.
class Pinger : public hio::udp::PeerDoer {
public:
    Pinger(hio::udp::Peer& peer, hio::SocketAddress to, int count, std::size_t size = 8)
        : PeerDoer{peer}, to_{to}, count_{count}, size_{size} {}

    std::vector<std::string> got;
    std::vector<double> at;

protected:
    bool serve(double tyme) override {
        if (!sent_) {
            sent_ = true;
            for (int i = 0; i < count_; ++i) {
                std::string payload = std::to_string(i) + ":";
                payload.resize(std::max(payload.size(), size_), '.');
                REQUIRE_FALSE(peer().send_to(payload, to_));
            }
        }
        while (auto datagram = peer().receive()) {
            got.push_back(datagram->payload);
            at.push_back(tyme);
        }
        return false;
    }

private:
    hio::SocketAddress to_;
    int count_;
    std::size_t size_;
    bool sent_ = false;
};

hio::SocketAddress address(const std::string& host, std::uint16_t port) {
    hio::SocketAddress out;
    REQUIRE(hio::SocketAddress::parse(host, port, out));
    return out;
}

struct Run {
    std::vector<std::string> got;
    std::string trace;
    hio::sim::WorldStats stats;
    std::size_t faults = 0;
};

Run echo_run(std::uint64_t seed, const hio::sim::FaultOptions& faults, const hio::sim::LinkOptions& link, int count,
             std::size_t size = 8) {
    hio::sim::World world{{.seed = seed, .link = link, .faults = faults}};
    hio::sim::Host& server = world.host("server");
    hio::sim::Host& client = world.host("client");
    hio::udp::Peer echo_peer{server.datagrams(), {.host = "10.0.0.1", .port = 7}};
    hio::udp::EchoPeerDoer echo{echo_peer};
    server.add({&echo});
    hio::udp::Peer client_peer{client.datagrams(), {.host = "0.0.0.0"}};
    Pinger pinger{client_peer, address("10.0.0.1", 7), count, size};
    client.add({&pinger});
    hio::Doist doist{{.tock = 0.001, .limit = 2.0, .waiter = &world}, world.doers()};
    doist.run();
    return {pinger.got, world.trace().hex(), world.stats(), world.faults().size()};
}

}  // namespace

TEST_CASE("A udp::Peer echo over the simulation takes exactly two latencies, in virtual time", "[sim][datagram]") {
    hio::sim::World world{{.seed = 1, .link = {.latency = 0.03125}}};  // binary fractions: exact tymes
    hio::sim::Host& server = world.host("server");
    hio::sim::Host& client = world.host("client");
    hio::udp::Peer echo_peer{server.datagrams(), {.host = "10.0.0.1", .port = 7}};
    hio::udp::EchoPeerDoer echo{echo_peer};
    server.add({&echo});
    hio::udp::Peer client_peer{client.datagrams()};  // 127.0.0.1: this host's loopback
    Pinger pinger{client_peer, address("10.0.0.1", 7), 3};
    client.add({&pinger});
    world.stop_when([&] { return pinger.got.size() == 3; });
    hio::Doist doist{{.tock = 1.0 / 1024, .limit = 5.0, .waiter = &world}, world.doers()};
    doist.run();
    REQUIRE(pinger.got.size() == 3);
    CHECK(pinger.got[0] == "0:......");
    CHECK(pinger.at == std::vector<double>{0.0625, 0.0625, 0.0625});
    CHECK(echo.echoed() == 3);
    CHECK(world.stats().datagrams == 6);
    CHECK(world.stats().datagrams_dropped == 0);
}

TEST_CASE("Datagram loss, duplication, reordering and truncation come from the seed and replay with it",
          "[sim][datagram]") {
    const hio::sim::FaultOptions faults{.loss = 0.1, .duplicate = 0.1};
    const hio::sim::LinkOptions link{.latency = 0.001, .jitter = 0.01, .mtu = 12};
    const Run first = echo_run(5, faults, link, 200, 16);
    const Run again = echo_run(5, faults, link, 200, 16);
    const Run other = echo_run(6, faults, link, 200, 16);
    CHECK(first.trace == again.trace);
    CHECK(first.got == again.got);
    CHECK(first.trace != other.trace);
    CHECK(first.stats.datagrams_dropped > 0);
    CHECK(first.stats.datagrams_duplicated > 0);
    CHECK(first.stats.datagrams_truncated > 0);
    CHECK(first.faults == first.stats.datagrams_dropped + first.stats.datagrams_duplicated);  // each one logged
    // Every echo is a datagram that was sent, cut at the mtu; some come twice, some never.
    std::set<std::string> distinct;
    for (const std::string& payload : first.got) {
        CHECK(payload.size() == 12);
        distinct.insert(payload);
    }
    CHECK(distinct.size() < 200);
    CHECK(first.got.size() > distinct.size());  // duplicates arrived
    // Jitter without order: they do not come back in the order sent.
    std::vector<std::string> sorted_by_send = first.got;
    std::stable_sort(sorted_by_send.begin(), sorted_by_send.end(), [](const std::string& a, const std::string& b) {
        return std::stoi(a) < std::stoi(b);
    });
    CHECK(sorted_by_send != first.got);
}

TEST_CASE("Over a partition datagrams are dropped, not held, a taken port and another host's address are refused",
          "[sim][datagram]") {
    hio::sim::World world{{.seed = 2}};
    hio::sim::Host& server = world.host("server");
    hio::sim::Host& client = world.host("client");
    hio::udp::Peer echo_peer{server.datagrams(), {.host = "10.0.0.1", .port = 7}};
    hio::udp::EchoPeerDoer echo{echo_peer};
    server.add({&echo});
    hio::udp::Peer client_peer{client.datagrams()};
    Pinger pinger{client_peer, address("10.0.0.1", 7), 5};
    client.add({&pinger});
    world.partition("client", "server");
    world.at(1.0, [&] { world.heal("client", "server"); });
    hio::Doist doist{{.tock = 0.01, .limit = 2.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(pinger.got.empty());  // sent at tyme 0 into the partition: gone, even after the heal
    CHECK(world.stats().datagrams_dropped == 5);

    hio::udp::Peer taken{server.datagrams(), {.host = "10.0.0.1", .port = 7}};
    echo_peer.open();
    try {
        taken.open();
        FAIL("bound a taken port");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::address_in_use);
    }
    hio::udp::Peer elsewhere{server.datagrams(), {.host = "10.0.0.2"}};
    try {
        elsewhere.open();
        FAIL("bound another host's address");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::address_not_available);
    }
    CHECK(echo_peer.send_to("x", "10.9.9.9", 7).value() == 0);  // queued; the network then refuses it
    echo_peer.service_sends();
    CHECK(echo_peer.last_error() == std::errc::network_unreachable);
}
