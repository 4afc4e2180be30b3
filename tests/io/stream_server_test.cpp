// io/stream_server.hpp and io/stream_server_doer.hpp: StreamServer, StreamServerDoer and
// EchoServerDoer over real loopback sockets (tcp::Network), with clients of our own and clients
// we did not write (python3, nc).
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/net.hpp"

using hio_test::NetRig;
using hio_test::pattern;
using hio_test::ProcessDoer;
using hio_test::Until;

namespace {

// Sends `data` (in pieces as tx takes it), checks every echoed byte, finishes when all came
// back (or the connection is lost: then ok() stays false).
class Checker : public hio::StreamClientDoer {
public:
    Checker(hio::StreamClient& client, std::string data) : StreamClientDoer{client}, data_{std::move(data)} {}

    bool ok() const noexcept { return ok_; }
    std::size_t received() const noexcept { return received_; }
    std::size_t mismatch_at() const noexcept { return mismatch_; }

protected:
    bool talk(double) override {
        hio::StreamClient& c = client();
        if (!c.active())
            return true;
        if (!c.connected())
            return false;
        if (sent_ < data_.size())
            sent_ += c.send(std::string_view{data_}.substr(sent_));
        const std::string echoed = c.receive();
        for (std::size_t i = 0; i < echoed.size() && mismatch_ == npos; ++i)
            if (echoed[i] != data_[received_ + i])
                mismatch_ = received_ + i;
        received_ += echoed.size();
        if (received_ >= data_.size()) {
            ok_ = mismatch_ == npos && received_ == data_.size();
            return true;
        }
        return c.peer_closed();
    }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::string data_;
    std::size_t sent_ = 0;
    std::size_t received_ = 0;
    std::size_t mismatch_ = npos;
    bool ok_ = false;
};

// Owns a client and its checker.
struct CheckedClient {
    hio::StreamClient client;
    Checker checker;
    CheckedClient(hio::Network& network, std::uint16_t port, std::string data)
        : client{network, {.port = port}}, checker{client, std::move(data)} {}
};

}  // namespace

TEST_CASE("Echo server returns 10 MB byte-exact to 100 concurrent clients", "[tcp][server][echo]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0, .max_connections = 200}};
    hio::EchoServerDoer echo{server};
    server.open();
    const std::uint16_t port = server.port();
    REQUIRE(port != 0);

    std::vector<std::unique_ptr<CheckedClient>> clients;
    std::vector<hio::Doer*> checkers;
    for (unsigned i = 0; i < 100; ++i) {
        clients.push_back(std::make_unique<CheckedClient>(rig.network, port, pattern(100 * 1024, i)));
        checkers.push_back(&clients.back()->checker);
    }
    hio::DoDoer all_clients{{}, checkers};
    CHECK(rig.run_until({&echo, &all_clients}, [&] { return all_clients.done(); }, 60.0));

    std::size_t ok = 0;
    for (const auto& c : clients) {
        ok += c->checker.ok() ? 1U : 0U;
        if (!c->checker.ok())
            UNSCOPED_INFO("client got " << c->checker.received() << " bytes, first mismatch at "
                                        << c->checker.mismatch_at() << ", error "
                                        << c->client.last_error().message());
    }
    CHECK(ok == 100);
    CHECK(server.accepted() == 100);
}

TEST_CASE("Python's socket module talks to the echo server", "[tcp][server][echo][peer]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0}};
    hio::EchoServerDoer echo{server};
    server.open();
    const std::string script =
        "import socket, sys, threading\n"
        "data = bytes((i * 7 + 3) % 256 for i in range(300000))\n"
        "s = socket.create_connection(('127.0.0.1', " + std::to_string(server.port()) + "), timeout=10)\n"
        "threading.Thread(target=lambda: (s.sendall(data), s.shutdown(socket.SHUT_WR))).start()\n"
        "got = bytearray()\n"
        "while True:\n"
        "    chunk = s.recv(65536)\n"
        "    if not chunk: break\n"
        "    got += chunk\n"
        "sys.exit(0 if bytes(got) == data else 1)\n";
    ProcessDoer python{{"python3", "-c", script}};
    CHECK(rig.run_until({&echo, &python}, [&] { return python.done(); }, 20.0));
    CHECK(python.exit_code() == 0);  // every byte back, then our close after its half close
}

TEST_CASE("nc sends a file through the echo server and gets it back", "[tcp][server][echo][peer]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0}};
    hio::EchoServerDoer echo{server};
    server.open();
    const std::string input = hio_test::temp_path("nc_in");
    const std::string output = hio_test::temp_path("nc_out");
    const std::string data = pattern(200000, 42);
    {
        std::FILE* file = std::fopen(input.c_str(), "wb");
        REQUIRE(file != nullptr);
        std::fwrite(data.data(), 1, data.size(), file);
        std::fclose(file);
    }
    // -N: shut down the sending side at end of input; the server's close then ends nc.
    ProcessDoer nc{{"nc", "-N", "127.0.0.1", std::to_string(server.port())}, input, output};
    CHECK(rig.run_until({&echo, &nc}, [&] { return nc.done(); }, 20.0));
    CHECK(nc.exit_code() == 0);
    CHECK(hio_test::slurp(output) == data);
    std::remove(input.c_str());
    std::remove(output.c_str());
}

namespace {

// Starts each of `doers` in `group` when the previous step's condition holds (one step per
// pass), then finishes when the last condition holds.
class Stages : public hio::Doer {
public:
    Stages(hio::DoDoer& group, std::vector<std::pair<hio::Doer*, std::function<bool()>>> steps)
        : group_{group}, steps_{std::move(steps)} {}

protected:
    bool recur(double) override {
        if (next_ < steps_.size() && (next_ == 0 || steps_[next_ - 1].second())) {
            group_.extend({steps_[next_].first});
            ++next_;
        }
        return next_ == steps_.size() && steps_.back().second();
    }

private:
    hio::DoDoer& group_;
    std::vector<std::pair<hio::Doer*, std::function<bool()>>> steps_;
    std::size_t next_ = 0;
};

// Sends "hi" once, waits for the echo, then stays connected, idle.
class Holder : public hio::StreamClientDoer {
public:
    using StreamClientDoer::StreamClientDoer;
    bool echoed = false;

protected:
    bool talk(double) override {
        if (client().connected() && !sent_)
            sent_ = client().send("hi") == 2;
        echoed = echoed || client().receive() == "hi";
        idle_between_events();
        return false;
    }

private:
    bool sent_ = false;
};

}  // namespace

TEST_CASE("A full server closes its longest-idle unproven connection for a newcomer", "[tcp][server][limits]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0, .max_connections = 2}};
    hio::EchoServerDoer echo{server};
    server.open();
    // Two peers that connect and say nothing, one after the other, then a third.
    hio::StreamClient first{rig.network, {.port = server.port()}};
    hio::StreamClient second{rig.network, {.port = server.port()}};
    hio::StreamClient third{rig.network, {.port = server.port()}};
    hio::StreamClientDoer first_doer{first};
    hio::StreamClientDoer second_doer{second};
    hio::StreamClientDoer third_doer{third};
    std::uint64_t first_number = 0;
    hio::ConnectionHandle first_handle;
    bool first_gone = false;
    hio::DoDoer group{{.always = true}, {}};
    Stages stages{group,
                  {{&first_doer,
                    [&] {
                        server.visit([&](hio::Connection& connection) {
                            first_number = server.number(connection);
                            first_handle = server.handle(connection);
                        });
                        return server.connection_count() == 1;
                    }},
                   {&second_doer, [&] { return server.connection_count() == 2; }},
                   {&third_doer, [&] {
                        first_gone = server.connection(first_handle) == nullptr;
                        return server.accepted() == 3 && server.connection_count() == 2;
                    }}}};
    CHECK(rig.run_until({&echo, &group, &stages}, [&] { return stages.done(); }, 5.0));
    CHECK(server.evicted() == 1);
    CHECK(server.refused() == 0);
    CHECK(first_number == 1);
    CHECK(first_gone);  // the one idle longest made room
}

TEST_CASE("A full server of proven peers turns newcomers away and counts them", "[tcp][server][limits]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0, .max_connections = 2}};
    hio::EchoServerDoer echo{server};
    server.open();
    // Two peers that got an echo (proven) and stay connected, then a third that says nothing.
    hio::StreamClient a{rig.network, {.port = server.port()}};
    hio::StreamClient b{rig.network, {.port = server.port()}};
    hio::StreamClient quiet{rig.network, {.port = server.port()}};
    Holder holder_a{a};
    Holder holder_b{b};
    hio::StreamClientDoer quiet_doer{quiet};
    hio::DoDoer group{{.always = true}, {}};
    std::size_t open_at_refusal = 0;
    Stages stages{group,
                  {{&holder_a, [&] { return holder_a.echoed; }},
                   {&holder_b, [&] { return holder_b.echoed; }},
                   {&quiet_doer, [&] {
                        open_at_refusal = server.connection_count();
                        return server.refused() == 1;
                    }}}};
    CHECK(rig.run_until({&echo, &group, &stages}, [&] { return stages.done(); }, 5.0));
    CHECK(server.evicted() == 0);
    CHECK(open_at_refusal == 2);
}

TEST_CASE("A peer that does not read its echoes fills its own buffers and slows only itself",
          "[tcp][server][backpressure]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0, .buffer_size = 4096}};
    hio::EchoServerDoer echo{server};
    server.open();

    // The stubborn peer sends 32 MB (more than loopback socket buffers hold) and reads nothing
    // until told to.
    hio::StreamClient stubborn{rig.network, {.port = server.port()}};
    const std::string flood = pattern(32 * 1024 * 1024, 7);
    std::size_t flood_sent = 0;
    bool reading = false;
    std::size_t flood_back = 0;
    bool flood_ok = true;
    bool saw_back_pressure = false;
    class Stubborn : public hio::StreamClientDoer {
    public:
        using Talk = std::function<bool()>;
        Stubborn(hio::StreamClient& c, Talk talk) : StreamClientDoer{c}, talk_{std::move(talk)} {}

    protected:
        bool talk(double) override { return talk_(); }

    private:
        Talk talk_;
    };
    Stubborn stubborn_doer{stubborn, [&] {
        if (!stubborn.connected())
            return !stubborn.active();
        if (flood_sent < flood.size())
            flood_sent += stubborn.send(std::string_view{flood}.substr(flood_sent));
        server.visit([&](hio::Connection& remote) {
            if (remote.rx_buffer().full() && remote.tx_buffer().full())
                saw_back_pressure = true;  // the server holds off reading this peer
        });
        if (reading) {
            const std::string got = stubborn.receive();
            for (std::size_t i = 0; i < got.size(); ++i)
                flood_ok = flood_ok && got[i] == flood[flood_back + i];
            flood_back += got.size();
        }
        return flood_back == flood.size();
    }};

    // Meanwhile a polite client is served normally.
    auto polite = std::make_unique<CheckedClient>(rig.network, server.port(), pattern(100000, 9));
    Until start_reading{[&] {
        if (saw_back_pressure && polite->checker.done())
            reading = true;  // now drain: everything must still arrive
        return reading;
    }};
    Until all_back{[&] { return flood_back == flood.size(); }};
    CHECK(rig.run_until({&echo, &stubborn_doer, &polite->checker, &start_reading, &all_back},
                        [&] { return all_back.done(); }, 60.0));
    CHECK(saw_back_pressure);
    CHECK(polite->checker.ok());  // served while the stubborn peer was stalled
    CHECK(flood_ok);
    CHECK(flood_back == flood.size());
}

#if defined(__linux__)  // a Reactor beside the rig's loop
TEST_CASE("A server or client doer under a Doist that does not wait on its Reactor says how to fix it",
          "[tcp][server][client]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {}};
    hio::EchoServerDoer echo{server};
    hio::Doist deaf{{.tock = 0.01, .limit = 1.0, .real = true}, {&echo}};  // no .waiter
    try {
        deaf.run();
        FAIL("a Doist without the Reactor must be refused");
    } catch (const hio::Error& error) {
        const std::string message = error.what();
        CHECK(message.find("StreamServerDoer") != std::string::npos);
        CHECK(message.find(".waiter = &reactor") != std::string::npos);
    }
    CHECK_FALSE(server.opened());  // refused before it listened

    hio::Reactor other;
    hio::StreamClient client{rig.network, {.port = 9}};
    hio::StreamClientDoer talker{client};
    hio::Doist wrong{{.tock = 0.01, .limit = 1.0, .waiter = &other}, {&talker}};
    try {
        wrong.run();
        FAIL("a Doist waiting on another Reactor must be refused");
    } catch (const hio::Error& error) {
        CHECK(std::string{error.what()}.find("StreamClientDoer: the Doist waits on another Waiter") != std::string::npos);
    }

    deaf.remove({&echo});
    hio::Doist right{{.tock = 0.01, .limit = 0.05, .waiter = &rig.waiter}, {&echo}};
    CHECK_NOTHROW(right.run());  // the same doer, with the Reactor: it runs
    CHECK(server.accepted() == 0);
}
#endif

TEST_CASE("A server doer destroyed while it runs leaves its server no dead doer to wake", "[tcp][server][lifetime]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {}};
    auto doer = std::make_unique<hio::EchoServerDoer>(server);
    hio::Doist doist{{.tock = 0.01, .waiter = &rig.waiter}, {doer.get()}};
    doist.enter();
    REQUIRE(server.opened());
    REQUIRE(server.owner() == doer.get());
    doer.reset();  // ~Doer leaves the Doist but calls no exit(): the server was not told
    CHECK(server.owner() == nullptr);
    // A peer arrives: the Reactor tells the server, which must find no doer to wake (waking
    // the destroyed one was a use-after-free, caught by AddressSanitizer).
    const hio_test::raw::Socket peer = hio_test::connect_loopback(server.port());
    REQUIRE(peer != hio_test::raw::invalid);
    hio_test::dispatch_for(rig.waiter, 0.05);
    hio_test::raw::close(peer);
    CHECK(server.connection_count() == 0);
}

TEST_CASE("A client doer destroyed while it connects leaves its client no dead doer to wake", "[tcp][client][lifetime]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {}};
    server.open();
    hio::StreamClient client{rig.network, {.port = server.port()}};
    auto doer = std::make_unique<hio::StreamClientDoer>(client);
    hio::Doist doist{{.tock = 0.01, .waiter = &rig.waiter}, {doer.get()}};
    doist.enter();
    REQUIRE(client.active());
    doer.reset();
    CHECK(client.owner() == nullptr);
    hio_test::dispatch_for(rig.waiter, 0.05);  // the connect completes: the socket turns writable
    client.service(0.0);
    CHECK(client.connected());
}
