// udp::Peer (hio: udp.Peer) over real loopback sockets, with peers we did not write: Python's
// socket module and nc -u, IPv4 and IPv6, broadcast and multicast on loopback, truncation,
// back pressure, and batching.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <hio/udp.hpp>

#include "catch.hpp"
#include "support/datagram.hpp"

using hio_test::Collector;
using hio_test::DatagramRig;
using hio_test::ProcessDoer;

namespace {

// A Python UDP client: sends `count` datagrams of `size` bytes to host:port, one at a time,
// checks each echo, prints "ok N" to `out`.
std::vector<std::string> python_echo_client(const std::string& family, const std::string& host, std::uint16_t port,
                                            int count, int size) {
    const std::string script =
        "import socket,sys\n"
        "s=socket.socket(socket." + family + ",socket.SOCK_DGRAM); s.settimeout(2)\n"
        "n=0\n"
        "for i in range(" + std::to_string(count) + "):\n"
        "    m=(str(i)+':').encode()*" + std::to_string(size) + "\n"
        "    m=m[:" + std::to_string(size) + "]\n"
        "    s.sendto(m,('" + host + "'," + std::to_string(port) + "))\n"
        "    d,a=s.recvfrom(70000)\n"
        "    if d!=m: print('bad',i); sys.exit(1)\n"
        "    n+=1\n"
        "print('ok',n)\n";
    return {"python3", "-c", script};
}

}  // namespace

TEST_CASE("A udp::Peer binds port 0 and reads it back, a taken port and a name are refused clearly", "[udp][peer]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network, {.host = "127.0.0.1", .port = 0}};
    CHECK_FALSE(peer.opened());
    CHECK(peer.port() == 0);
    peer.open();
    REQUIRE(peer.opened());
    CHECK(peer.port() != 0);
    CHECK(peer.local_endpoint() == "127.0.0.1:" + std::to_string(peer.port()));

    hio::udp::Peer twin{rig.network, {.host = "127.0.0.1", .port = peer.port()}};
    try {
        twin.open();
        FAIL("bound a taken port");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::address_in_use);
        CHECK(std::string{error.what()}.find("bind to 127.0.0.1:" + std::to_string(peer.port())) != std::string::npos);
    }
    CHECK_FALSE(twin.opened());

    hio::udp::Peer six{rig.network, {.host = "::1"}};
    six.open();
    CHECK(six.local_endpoint() == "[::1]:" + std::to_string(six.port()));

    CHECK_THROWS_AS((hio::udp::Peer{rig.network, {.host = "localhost"}}), hio::ValidationError);
    CHECK_THROWS_AS((hio::udp::Peer{rig.network, {.receive_queue = 0}}), hio::ValidationError);
    CHECK_THROWS_AS((hio::udp::Peer{rig.network, {.max_datagram = 70000}}), hio::ValidationError);
    CHECK_THROWS_AS((hio::udp::Peer{rig.network, {.batch = 0}}), hio::ValidationError);
    peer.close();
    CHECK_FALSE(peer.opened());
    peer.close();  // idempotent
}

TEST_CASE("send_to refuses, with a code, a full queue, an oversized datagram, a closed peer", "[udp][peer]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network, {.max_datagram = 100, .send_queue = 2}};
    CHECK(peer.send_to("early", "127.0.0.1", 9) == std::errc::not_connected);
    peer.open();
    const std::string to_host = "127.0.0.1";
    CHECK_FALSE(peer.send_to("one", to_host, 9));
    CHECK_FALSE(peer.send_to("two", to_host, 9));
    CHECK(peer.send_to("three", to_host, 9) == std::errc::no_buffer_space);
    CHECK(peer.send_queue_full());
    CHECK(peer.send_to(std::string(101, 'x'), to_host, 9) == std::errc::message_size);
    CHECK(peer.send_to("x", hio::SocketAddress{}) == std::errc::destination_address_required);
    CHECK(peer.stats().refused == 4);
    CHECK(peer.queued_count() == 2);
    CHECK(peer.service_sends() == 2);  // nobody listens on port 9: UDP does not know, both go
    CHECK(peer.queued_count() == 0);
    CHECK(peer.stats().sent == 2);
    CHECK_THROWS_AS(peer.send_to("x", "not-an-address", 9), hio::ValidationError);
}

TEST_CASE("Python's socket gets every datagram echoed by an EchoPeerDoer, over IPv4 and IPv6", "[udp][peer][python]") {
    for (const auto& [family, host] : {std::pair{"AF_INET", "127.0.0.1"}, std::pair{"AF_INET6", "::1"}}) {
        DatagramRig rig;
        hio::udp::Peer peer{rig.network, {.host = host}};
        peer.open();
        hio::udp::EchoPeerDoer echo{peer};
        const std::string out = hio_test::temp_path("udp_echo_out");
        ProcessDoer python{python_echo_client(family, host, peer.port(), 200, 1200), {}, out};
        REQUIRE(rig.run_until({&echo, &python}, [&] { return python.done(); }));
        INFO(family);
        CHECK(python.exit_code() == 0);
        CHECK(hio_test::slurp(out) == "ok 200\n");
        CHECK(echo.echoed() == 200);
        std::remove(out.c_str());
    }
}

TEST_CASE("nc -u gets its line echoed", "[udp][peer][nc]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network};
    peer.open();
    hio::udp::EchoPeerDoer echo{peer};
    const std::string in = hio_test::temp_path("nc_in");
    const std::string out = hio_test::temp_path("nc_out");
    {
        std::ofstream{in} << "hello over udp\n";
    }
    // -w1: quit after a second of silence (with -q, netcat-openbsd stops reading at stdin's end).
    ProcessDoer nc{{"nc", "-u", "-w1", "127.0.0.1", std::to_string(peer.port())}, in, out};
    REQUIRE(rig.run_until({&echo, &nc}, [&] { return nc.done(); }));
    CHECK(hio_test::slurp(out) == "hello over udp\n");
    CHECK(echo.echoed() == 1);
    std::remove(in.c_str());
    std::remove(out.c_str());
}

TEST_CASE("A datagram longer than max_datagram arrives cut and says so (MSG_TRUNC), not silently",
          "[udp][peer][python]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network, {.max_datagram = 1000}};
    peer.open();
    Collector collector{peer};
    ProcessDoer python{{"python3", "-c",
                        "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
                        "s.sendto(b'a'*2000,('127.0.0.1'," + std::to_string(peer.port()) + ")); "
                        "s.sendto(b'b'*1000,('127.0.0.1'," + std::to_string(peer.port()) + "))"}};
    REQUIRE(rig.run_until({&collector, &python}, [&] { return collector.got.size() == 2; }));
    CHECK(collector.got[0].truncated());
    CHECK(collector.got[0].size == 2000);
    CHECK(collector.got[0].payload == std::string(1000, 'a'));
    CHECK_FALSE(collector.got[1].truncated());
    CHECK(collector.got[1].payload == std::string(1000, 'b'));
    CHECK(collector.got[1].peer == collector.got[0].peer);
    CHECK(peer.stats().truncated == 1);
}

TEST_CASE("A burst that overflows the receive queue stops the reading, never grows it, and resumes when taken",
          "[udp][peer][python]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network, {.receive_queue = 16}};
    peer.open();
    Collector collector{peer};
    collector.taking = false;
    ProcessDoer python{{"python3", "-c",
                        "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                        "for i in range(500): s.sendto(b'%d' % i,('127.0.0.1'," + std::to_string(peer.port()) + "))"}};
    // The peer closes when its doer exits, so both stages run in one Doist: first nobody
    // takes, then the collector takes what queued and what the kernel buffered.
    std::size_t held = 0, received = 0;
    bool was_full = false;
    REQUIRE(rig.run_until({&collector, &python}, [&] {
        if (!collector.taking && python.done() && peer.receive_queue_full()) {
            held = peer.received_count();
            received = peer.stats().received;
            was_full = true;
            collector.taking = true;
        }
        return collector.got.size() >= 100;
    }));
    CHECK(was_full);
    CHECK(held == 16);  // full, and no more
    CHECK(received == 16);
    for (std::size_t i = 0; i < collector.got.size(); ++i)
        REQUIRE(collector.got[i].payload == std::to_string(i));
}

TEST_CASE("A burst is read many datagrams per system call (recvmmsg) and sent the same way (sendmmsg)",
          "[udp][peer]") {
    DatagramRig rig;
    hio::udp::Peer receiver{rig.network, {.receive_queue = 4096, .batch = 64, .socket_buffer = 4 << 20}};
    receiver.open();
    hio::udp::Peer sender{rig.network, {.send_queue = 4096, .batch = 64}};
    sender.open();
    for (int i = 0; i < 1000; ++i)
        REQUIRE_FALSE(sender.send_to("datagram " + std::to_string(i), receiver.local_address()));
    CHECK(sender.service_sends() == 1000);
    CHECK(sender.stats().send_calls <= 1000 / 64 + 2);
    Collector collector{receiver};
    REQUIRE(rig.run_until({&collector}, [&] { return collector.got.size() == 1000; }, 5.0));
    CHECK(receiver.stats().receive_calls <= 1000 / 64 + 4);
    for (int i = 0; i < 1000; ++i)
        REQUIRE(collector.got[static_cast<std::size_t>(i)].payload == "datagram " + std::to_string(i));
    CHECK(collector.got[0].peer == sender.local_address());
}

TEST_CASE("Broadcast on loopback needs the broadcast option: refused (permission_denied) without, delivered with",
          "[udp][peer]") {
    DatagramRig rig;
    hio::udp::Peer listener{rig.network, {.host = "0.0.0.0"}};
    listener.open();
    hio::udp::Peer plain{rig.network};
    plain.open();
    REQUIRE_FALSE(plain.send_to("no", "127.255.255.255", listener.port()));  // queued: refused by the kernel
    plain.service_sends();
    CHECK(plain.stats().send_errors == 1);
    CHECK(plain.last_error() == std::errc::permission_denied);
    CHECK(plain.queued_count() == 0);  // dropped, not stuck at the head of the queue

    hio::udp::Peer caster{rig.network, {.broadcast = true}};
    caster.open();
    REQUIRE_FALSE(caster.send_to("to all", "127.255.255.255", listener.port()));
    Collector collector{listener};
    REQUIRE(rig.run_until({&collector}, [&] {
        caster.service_sends();
        return !collector.got.empty();
    }, 5.0));
    CHECK(collector.got[0].payload == "to all");
    CHECK(caster.stats().send_errors == 0);
}

TEST_CASE("A peer joins a multicast group on loopback, receives what Python sends to it, and leaves",
          "[udp][peer][python]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network, {.host = "0.0.0.0"}};
    peer.open();
    REQUIRE_FALSE(peer.join("239.7.7.7", "127.0.0.1"));
    CHECK(peer.join("ff02::1:3") == std::errc::address_family_not_supported);
    Collector collector{peer};
    ProcessDoer python{{"python3", "-c",
                        "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
                        "s.setsockopt(socket.IPPROTO_IP,socket.IP_MULTICAST_IF,socket.inet_aton('127.0.0.1')); "
                        "s.sendto(b'group news',('239.7.7.7'," + std::to_string(peer.port()) + "))"}};
    std::error_code left, again;
    REQUIRE(rig.run_until({&collector, &python}, [&] {
        if (collector.got.empty())
            return false;
        left = peer.leave("239.7.7.7", "127.0.0.1");
        again = peer.leave("239.7.7.7", "127.0.0.1");  // not a member any more: the kernel's error
        return true;
    }));
    CHECK(collector.got[0].payload == "group news");
    CHECK_FALSE(left);
    CHECK(again);
    CHECK(peer.leave("239.7.7.7") == std::errc::not_connected);  // the doer's exit closed it
}

TEST_CASE("A PeerDoer refuses to enter under a Doist that does not wait on its network's Reactor", "[udp][peer]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network};
    hio::udp::PeerDoer doer{peer};
    hio::Doist doist{{.tock = 0.1, .limit = 1.0}, {&doer}};
    try {
        doist.run();
        FAIL("entered without a waiter");
    } catch (const hio::Error& error) {
        CHECK(std::string{error.what()}.find("DatagramPeerDoer: the Doist has no Waiter") != std::string::npos);
    }
    CHECK_FALSE(peer.opened());
}

TEST_CASE("A peer doer destroyed while it runs leaves its peer no dead doer to wake", "[udp][peer][lifetime]") {
    DatagramRig rig;
    hio::udp::Peer peer{rig.network, {}};
    auto doer = std::make_unique<hio::udp::EchoPeerDoer>(peer);
    hio::Doist doist{{.tock = 0.01, .waiter = &rig.waiter}, {doer.get()}};
    doist.enter();
    REQUIRE(peer.opened());
    doer.reset();
    CHECK(peer.owner() == nullptr);
    hio::udp::Peer sender{rig.network, {}};
    sender.open();
    REQUIRE_FALSE(sender.send_to("ping", "127.0.0.1", peer.port()));
    sender.service();
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds{50};
    rig.waiter.wait_until(until, [] { return false; });  // the datagram arrives: readable
    peer.service();
    CHECK(peer.receive().has_value());
}
