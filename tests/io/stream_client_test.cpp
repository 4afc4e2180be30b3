// io/stream_client.hpp: StreamClient and StreamClientDoer over real loopback sockets (tcp::Network):
// exchange, retries, timeouts, resets, name lookups off the Doist.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/net.hpp"

using hio_test::NetRig;
using hio_test::Until;

namespace {

// Answers "ping N" with "pong N" on every connection.
class PongServer : public hio::StreamServerDoer {
public:
    using StreamServerDoer::StreamServerDoer;

protected:
    void serve(hio::Connection& connection, double) override {
        std::string text = connection.receive();
        for (std::size_t at; (at = text.find("ping")) != std::string::npos;)
            text.replace(at, 4, "pong");
        connection.send(text);
    }
};

// Sends three pings, one per reply, and records the replies.
class Pinger : public hio::StreamClientDoer {
public:
    using StreamClientDoer::StreamClientDoer;
    std::string replies;

protected:
    bool talk(double) override {
        hio::StreamClient& c = client();
        if (!c.active())
            return true;
        if (!c.connected())
            return false;
        replies += c.receive();
        if (sent_ == replies.size() / 7 && sent_ < 3)
            c.send("ping " + std::to_string(++sent_) + "\n");
        return replies.size() == 21;
    }

private:
    std::size_t sent_ = 0;
};

}  // namespace

TEST_CASE("A client doer and a server doer in one Doist exchange data both ways", "[tcp][client]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0}};
    PongServer pong{server};
    server.open();
    hio::StreamClient client{rig.network, {.port = server.port()}};
    Pinger pinger{client};
    CHECK(rig.run_until({&pong, &pinger}, [&] { return pinger.done(); }, 5.0));
    CHECK(pinger.replies == "pong 1\npong 2\npong 3\n");
}

TEST_CASE("Client and server work over IPv6 loopback", "[tcp][client][ipv6]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.host = "::1", .port = 0}};
    PongServer pong{server};
    try {
        server.open();
    } catch (const hio::Error& error) {
        WARN("IPv6 loopback unavailable here: " << error.what());
        return;
    }
    CHECK(server.local_endpoint().rfind("[::1]:", 0) == 0);
    hio::StreamClient client{rig.network, {.host = "::1", .port = server.port()}};
    Pinger pinger{client};
    CHECK(rig.run_until({&pong, &pinger}, [&] { return pinger.done(); }, 5.0));
    CHECK(pinger.replies == "pong 1\npong 2\npong 3\n");
}

TEST_CASE("A refused client retries until the server appears", "[tcp][client]") {
    NetRig rig;
    const std::uint16_t port = hio_test::unused_port();
    hio::StreamServer server{rig.network, {.port = port}};
    PongServer pong{server};
    hio::StreamClient client{rig.network, {.port = port, .reconnect_interval = 0.05, .timeout = 5.0}};
    Pinger pinger{client};
    // The server starts 0.3 s (of tyme) after the client.
    hio::Doist* doist_ptr = nullptr;
    bool started = false;
    Until starter{[&] {
        if (!started && doist_ptr->tyme() >= 0.3) {
            started = true;
            doist_ptr->extend({&pong});
        }
        if (pinger.done())
            doist_ptr->request_stop();  // the server never finishes on its own
        return false;
    }};
    hio::Doist doist{{.tock = 0.01, .limit = 10.0, .real = true, .waiter = &rig.waiter}, {&pinger, &starter}};
    doist_ptr = &doist;
    doist.run();
    CHECK(pinger.replies == "pong 1\npong 2\npong 3\n");
    CHECK(client.attempts() >= 3);
}

TEST_CASE("A client times out when no server ever appears", "[tcp][client]") {
    NetRig rig;
    hio::StreamClient client{rig.network, {.port = hio_test::unused_port(), .reconnect_interval = 0.05, .timeout = 0.3}};
    hio::StreamClientDoer doer{client};
    CHECK(rig.run({&doer}, 5.0));
    CHECK(client.timed_out());
    CHECK_FALSE(client.connected());
    CHECK(client.last_error() == std::errc::connection_refused);
    CHECK(client.attempts() >= 3);
}

TEST_CASE("An unknown host is a clear error, not a crash", "[tcp][client]") {
    NetRig rig;
    hio::StreamClient client{rig.network, {.host = "no-such-host.invalid", .port = 9, .timeout = 0.1}};
    hio::StreamClientDoer doer{client};
    rig.run({&doer}, 5.0);
    CHECK(client.timed_out());
    CHECK(client.last_error());
    CHECK_THROWS_AS((hio::StreamClient{rig.network, {.port = 0}}), hio::ValidationError);
    hio::StreamServer busy{rig.network, {.port = 0}};
    busy.open();
    hio::StreamServer clash{rig.network, {.port = busy.port()}};
    CHECK_THROWS_WITH(clash.open(), Catch::Contains("cannot listen on 127.0.0.1:") &&
                                        Catch::Contains("in use"));
}

TEST_CASE("A peer reset mid-transfer closes the connection with the cause", "[tcp][client]") {
    NetRig rig;
    // A raw listener that accepts, then resets the connection (SO_LINGER 0).
    std::uint16_t port = 0;
    const hio_test::raw::Socket listener = hio_test::raw::listen_loopback(port);
    REQUIRE(listener != hio_test::raw::invalid);

    hio::StreamClient client{rig.network, {.port = port}};
    hio::StreamClientDoer doer{client};
    hio_test::raw::Socket accepted = hio_test::raw::invalid;
    bool reset = false;
    Until resetter{[&] {
        if (!client.connected() && !reset)
            return false;
        if (accepted == hio_test::raw::invalid) {
            accepted = hio_test::raw::accept(listener);
            client.send(std::string(100000, 'x'));
            return false;
        }
        if (!reset) {
            hio_test::raw::reset(accepted);  // unread data + linger 0: RST
            reset = true;
        }
        return !client.active() || client.connection() == nullptr || client.connection()->closed();
    }};
    rig.run({&doer, &resetter}, 5.0);
    hio_test::raw::close(listener);
    CHECK(reset);
    CHECK(client.last_error() == std::errc::connection_reset);
}

TEST_CASE("Half close: the echo server returns everything, then closes", "[tcp][client][echo]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0}};
    hio::EchoServerDoer echo{server};
    server.open();
    hio::StreamClient client{rig.network, {.port = server.port()}};
    hio::StreamClientDoer doer{client};
    std::string back;
    bool sent = false;
    Until talker{[&] {
        if (!client.connected() && !client.peer_closed())
            return !client.active();
        if (!sent) {
            sent = client.send("last words") == 10;
            client.shutdown_send();
        }
        back += client.receive();
        return client.peer_closed();
    }};
    CHECK(rig.run_until({&echo, &doer, &talker}, [&] { return talker.done(); }, 5.0));
    CHECK(back == "last words");
    CHECK(sent);
}

TEST_CASE("In real time a reply arrives in a wake pass, not a tock later", "[tcp][client][wake]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0}};
    hio::EchoServerDoer echo{server};
    server.open();
    hio::StreamClient client{rig.network, {.port = server.port()}};
    hio::Doist doist{{.tock = 0.5, .limit = 5.0, .real = true, .waiter = &rig.waiter}};

    class Timed : public hio::StreamClientDoer {
    public:
        Timed(hio::StreamClient& c, hio::Doist& d) : StreamClientDoer{c}, doist_{d} {}
        double sent_at = -1.0;
        double echoed_at = -1.0;

    protected:
        bool talk(double tyme) override {
            if (!client().connected())
                return !client().active();
            if (sent_at < 0.0 && client().send("now") == 3)
                sent_at = tyme;
            if (client().receive() == "now") {
                echoed_at = tyme;
                doist_.request_stop();
                return true;
            }
            return false;
        }

    private:
        hio::Doist& doist_;
    } timed{client, doist};

    doist.run({&echo, &timed});
    REQUIRE(timed.echoed_at >= 0.0);
    // With a tock of 0.5 a polled design needs at least a pass per hop (1.0 of tyme); here the
    // request and its echo each wake a pass at once, at the same tyme.
    CHECK(timed.echoed_at == timed.sent_at);
    CHECK(doist.wake_passes() >= 2);
}

TEST_CASE("With reconnect, a client connects again after the server drops it", "[tcp][client]") {
    NetRig rig;
    hio::StreamServer server{rig.network, {.port = 0, .idle_timeout = 0.1}};  // drops idle peers
    hio::StreamServerDoer serving{server};
    server.open();
    hio::StreamClient client{rig.network,
                            {.port = server.port(), .reconnect_interval = 0.05, .timeout = 5.0, .reconnect = true}};
    hio::StreamClientDoer doer{client};
    CHECK(rig.run_until({&serving, &doer}, [&] { return server.accepted() >= 3; }, 10.0));
    CHECK(server.idle_closed() >= 2);
    CHECK(client.attempts() >= 3);
}

#if defined(__linux__)  // the epoll network's resolver
TEST_CASE("A slow name lookup holds up no doer: it runs off the Doist's thread", "[tcp][client][resolve][epoll]") {
    // A resolver that takes 2 s to answer "slow.test" with the echo server's address.
    hio::Reactor reactor;
    std::atomic<int> lookups{0};
    hio::tcp::Network network{reactor, {.resolve = [&](const std::string& host, std::uint16_t port,
                                                        std::vector<hio::tcp::Endpoint>& out) -> std::error_code {
                                            ++lookups;
                                            std::this_thread::sleep_for(std::chrono::seconds{2});
                                            if (host != "slow.test")
                                                return std::make_error_code(std::errc::address_not_available);
                                            out.push_back({"127.0.0.1", port});
                                            return {};
                                        }}};
    hio::StreamServer server{network, {.port = 0}};
    hio::EchoServerDoer echo{server};
    server.open();
    hio::StreamClient client{network, {.host = "slow.test", .port = server.port(), .timeout = 10.0}};
    Pinger pinger{client};
    hio::StreamClient lost{network, {.host = "nowhere.test", .port = server.port(), .timeout = 3.0}};
    hio::StreamClientDoer lost_doer{lost};
    // A doer due every 0.05 s records the wall-clock gaps between its runs.
    double worst_gap = 0.0;
    auto last = std::chrono::steady_clock::now();
    class Ticker : public hio::Doer {
    public:
        explicit Ticker(std::function<void()> tick) : hio::Doer{0.05}, tick_{std::move(tick)} {}

    protected:
        bool recur(double) override {
            tick_();
            return false;
        }

    private:
        std::function<void()> tick_;
    } ticker{[&] {
        const auto now = std::chrono::steady_clock::now();
        worst_gap = std::max(worst_gap, std::chrono::duration<double>(now - last).count());
        last = now;
    }};
    hio::Doist doist{{.tock = 0.01, .limit = 8.0, .real = true, .waiter = &reactor}};
    hio_test::Until stop{[&] {
        const bool over = pinger.done() && !lost.active();
        if (over)
            doist.request_stop();
        return over;
    }};
    last = std::chrono::steady_clock::now();
    doist.run({&echo, &pinger, &lost_doer, &ticker, &stop});
    CHECK(pinger.done());
    CHECK(pinger.replies == "ping 1\nping 2\nping 3\n");
    CHECK(lookups.load() >= 2);  // a failed lookup is retried like a refusal, until the timeout
    CHECK(lost.timed_out());
    CHECK(lost.last_error() == std::errc::address_not_available);  // the lookup's own failure
    CHECK(doist.tyme() >= 2.0);
    CHECK(worst_gap < 0.5);  // the ticker kept its 0.05 s while each lookup took 2 s
}
#endif
