// hio::asio::Network and DatagramNetwork beside the other backends: mixing them is an error
// that names the fix. (The stream and datagram suites run over Asio as net-asio/ and
// local-io-asio/: see tests/support/backend.hpp.)
#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <hio/asio.hpp>
#include <hio/io/stream_server_doer.hpp>
#if defined(__linux__)
#include <hio/tcp.hpp>
#endif

#include "catch.hpp"

#if defined(__linux__)  // the epoll backend beside it
TEST_CASE("A server on one backend under a Doist that waits on the other is refused, with the fix named", "[asio][network]") {
    hio::asio::Context context;
    hio::asio::Network asio_network{context};
    hio::Reactor reactor;
    hio::tcp::Network epoll_network{reactor};

    const auto refusal = [](hio::Network& network, hio::Waiter& waiter) {
        hio::StreamServer server{network, {.port = 0}};
        hio::EchoServerDoer echo{server};
        hio::Doist doist{{.tock = 0.01, .limit = 0.05, .waiter = &waiter}, {&echo}};
        try {
            doist.run();
        } catch (const hio::Error& error) {
            CHECK_FALSE(server.opened());  // refused before it listened
            return std::string{error.what()};
        }
        return std::string{"no error"};
    };
    const std::string epoll_under_asio = refusal(epoll_network, context);
    CHECK(epoll_under_asio.find("another Waiter than this network's") != std::string::npos);
    CHECK(epoll_under_asio.find("{.waiter = &reactor}") != std::string::npos);
    const std::string asio_under_epoll = refusal(asio_network, reactor);
    CHECK(asio_under_epoll.find("another Waiter than this network's") != std::string::npos);
    CHECK(asio_under_epoll.find("hio::asio::Context") != std::string::npos);
    CHECK(refusal(asio_network, context) == "no error");
}
#endif

TEST_CASE("asio::Network reports what it cannot do through the seam's capability queries", "[asio][network]") {
    hio::asio::Context context;
    hio::asio::Network network{context};
    CHECK(network.waiter() == &context);
    auto listener = network.listen("127.0.0.1", 0, 16);
    REQUIRE(listener->port() != 0);
    CHECK(listener->local_endpoint() == "127.0.0.1:" + std::to_string(listener->port()));
    // A port taken: the code is the portable one on every platform, the message names the
    // address, then the system's own words.
    const std::string taken = "asio::Network: cannot listen on 127.0.0.1:" + std::to_string(listener->port()) + ": ";
    try {
        network.listen("127.0.0.1", listener->port(), 16);
        FAIL("a second listener on a taken port");
    } catch (const hio::SystemError& error) {
        CHECK(std::string_view{error.what()}.substr(0, taken.size()) == taken);
        // Windows: the listener holds its port with SO_EXCLUSIVEADDRUSE (WSAEADDRINUSE here,
        // where Wine 8 answers SO_REUSEADDR's second bind with WSAEACCES, portability.md 3.3).
        CHECK(error.code() == std::errc::address_in_use);
        CHECK(std::string{error.what()} == taken + "Address already in use");  // Linux's words on Windows too
    }
    CHECK_THROWS_AS(network.listen("127.0.0.1", 0, 0), hio::ValidationError);
    std::error_code error;
    auto transport = network.connect("127.0.0.1", listener->port(), error);
    REQUIRE(transport);
    CHECK_FALSE(error);
    CHECK_FALSE(transport->can_send_files());  // files go through the buffers: StaticFiles falls back
    CHECK(transport->finish_connect() == std::errc::operation_in_progress);

    hio::asio::DatagramNetwork datagrams{context};
    hio::SocketAddress path;
    REQUIRE(hio::SocketAddress::unix_path("/tmp/x.sock", path));
    CHECK_THROWS_WITH(datagrams.bind(path, {}),
                      "asio::DatagramNetwork: bind needs an IP address (Unix-domain datagrams need hio::udp::Network), "
                      "got /tmp/x.sock");
}

namespace {
struct Readiness final : hio::TransportEvents {
    int readable = 0;
    void on_readable() noexcept override { ++readable; }
    void on_writable() noexcept override {}
};
}  // namespace

TEST_CASE("asio::Network's transport keeps the byte order when a read completed but its handler has not run yet", "[asio][network]") {
    // arm_read() begins an async_read_some (from the io_context) that Asio performs at once
    // when bytes wait (a speculative read): they sit in the transport before its handler runs. A receive() in
    // between must not read the bytes that came after them straight from the socket.
    hio::asio::Context context;
    hio::asio::Network network{context};
    auto listener = network.listen("127.0.0.1", 0, 16);
    ::asio::ip::tcp::socket peer{context.io()};
    peer.connect({::asio::ip::make_address("127.0.0.1"), listener->port()});
    std::unique_ptr<hio::Transport> transport;
    std::error_code error;
    for (int i = 0; i < 200 && !transport; ++i) {
        context.io().run_one_for(std::chrono::milliseconds{10});
        transport = listener->accept(error);
    }
    REQUIRE(transport);
    Readiness events;
    transport->watch(&events);
    const auto settle = [&] { std::this_thread::sleep_for(std::chrono::milliseconds{20}); };

    ::asio::write(peer, ::asio::buffer(std::string_view{"first "}));
    settle();
    transport->arm_read();
    REQUIRE(context.io().poll_one() == 1);  // the read begins (from the io_context) and finds "first "
    ::asio::write(peer, ::asio::buffer(std::string_view{"second"}));
    settle();

    std::string got;
    std::array<std::byte, 64> buffer{};
    const auto take = [&] {
        const hio::IoResult result = transport->receive(buffer);
        REQUIRE_FALSE(result.error);
        got.append(reinterpret_cast<const char*>(buffer.data()), result.bytes);
        return result;
    };
    take();  // before the handler ran: nothing, or the first bytes; never the second ones
    CHECK((got.empty() || got.starts_with("first")));
    for (int i = 0; i < 200 && got.size() < 12; ++i) {
        if (events.readable == 0) {
            context.io().run_one_for(std::chrono::milliseconds{10});
            continue;
        }
        events.readable = 0;
        const hio::IoResult result = take();
        if (result.would_block || (result.bytes < buffer.size() && !result.more))
            transport->arm_read();
    }
    CHECK(got == "first second");
}
