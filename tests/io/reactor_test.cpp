// Reactor: edge-triggered readiness of real descriptors, deadlines, interrupts.
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>

#include <hio/io/reactor.hpp>

#include "catch.hpp"

namespace {

struct Events final : hio::TransportEvents {
    int readable = 0;
    int writable = 0;
    void on_readable() noexcept override { ++readable; }
    void on_writable() noexcept override { ++writable; }
};

struct SocketPair {
    std::array<int, 2> fds{-1, -1};
    SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds.data()) == 0); }
    ~SocketPair() {
        for (const int fd : fds)
            if (fd >= 0)
                ::close(fd);
    }
    void close_peer() {
        ::close(fds[1]);
        fds[1] = -1;
    }
};

using Clock = std::chrono::steady_clock;

}  // namespace

TEST_CASE("Reactor reports a descriptor readable once per edge", "[reactor]") {
    hio::Reactor reactor;
    SocketPair pair;
    Events events;
    hio::detail::Watch watch;
    watch.add(reactor, pair.fds[0]);
    watch.events(&events);
    CHECK(reactor.watched() == 1);
    reactor.poll();
    CHECK(events.readable == 0);  // nothing yet

    REQUIRE(::write(pair.fds[1], "x", 1) == 1);
    const auto start = Clock::now();
    reactor.wait_until(start + std::chrono::seconds{5}, [&] { return events.readable != 0; });
    CHECK(events.readable == 1);
    CHECK(Clock::now() - start < std::chrono::seconds{1});  // the event ended the wait
    reactor.poll();
    CHECK(events.readable == 1);  // edge-triggered: the unread byte is no new edge

    watch.remove();
    CHECK(reactor.watched() == 0);
    REQUIRE(::write(pair.fds[1], "y", 1) == 1);
    reactor.poll();
    CHECK(events.readable == 1);  // removed: no more events
}

TEST_CASE("Reactor marks a hang-up so a short read is not taken as drained", "[reactor]") {
    hio::Reactor reactor;
    SocketPair pair;
    Events events;
    hio::detail::Watch watch;
    watch.add(reactor, pair.fds[0]);
    watch.events(&events);
    CHECK_FALSE(watch.hangup());
    pair.close_peer();
    reactor.poll();
    CHECK(events.readable == 1);
    CHECK(watch.hangup());
}

TEST_CASE("Reactor reports writability only once asked, after a send would block", "[reactor]") {
    hio::Reactor reactor;
    SocketPair pair;
    Events events;
    hio::detail::Watch watch;
    watch.add(reactor, pair.fds[0]);
    watch.events(&events);
    reactor.poll();
    CHECK(events.writable == 0);  // output interest is not registered up front
    watch.arm_write();
    reactor.poll();
    CHECK(events.writable == 1);  // an idle socket is writable at once
    reactor.poll();
    CHECK(events.writable == 1);  // one-shot
}

TEST_CASE("Reactor's wait ends at the deadline when nothing happens", "[reactor]") {
    hio::Reactor reactor;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::milliseconds{30};
    reactor.wait_until(deadline, [] { return false; });
    const auto now = Clock::now();
    CHECK(now >= deadline);
    CHECK(now - start < std::chrono::seconds{2});
}

TEST_CASE("Reactor's interrupt ends a wait from another thread", "[reactor]") {
    hio::Reactor reactor;
    std::atomic<bool> stop{false};
    std::thread other{[&] {
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
        stop = true;
        reactor.interrupt();
    }};
    const auto start = Clock::now();
    reactor.wait_until(start + std::chrono::seconds{10}, [&] { return stop.load(); });
    other.join();
    CHECK(stop.load());
    CHECK(Clock::now() - start < std::chrono::seconds{5});
}

TEST_CASE("Reactor refuses to watch a descriptor that is not open, with the system's code", "[reactor]") {
    hio::Reactor reactor;
    hio::detail::Watch watch;
    try {
        watch.add(reactor, 12345);
        FAIL("watching a closed descriptor must throw");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::bad_file_descriptor);
    }
    CHECK(reactor.watched() == 0);
}
