// Connection over a scripted Transport: back pressure both ways, EOF, failures, half close,
// readiness flags, and the typed per-connection session.
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>

#include <hio/io/connection.hpp>

#include "catch.hpp"

namespace {

// A transport whose peer is the test: `incoming` is what a receive returns (as much as fits,
// then would-block), `room` how many bytes a send takes before it would block.
struct ScriptedTransport final : hio::Transport {
    std::string incoming;
    std::string sent;
    std::size_t room = 1 << 20;
    bool eof = false;
    std::error_code receive_error{};
    std::error_code send_error{};
    bool read_armed = false;
    bool write_armed = false;
    bool shut = false;
    bool closed = false;
    hio::TransportEvents* events = nullptr;

    hio::IoResult receive(std::span<std::byte> into) override {
        hio::IoResult result;
        if (receive_error) {
            result.error = receive_error;
            return result;
        }
        const std::size_t n = std::min(into.size(), incoming.size());
        std::memcpy(into.data(), incoming.data(), n);
        incoming.erase(0, n);
        result.bytes = n;
        if (n == 0 && eof)
            result.eof = true;
        else if (n == 0)
            result.would_block = true;
        return result;
    }
    hio::IoResult send(std::span<const std::byte> from) override {
        hio::IoResult result;
        if (send_error) {
            result.error = send_error;
            return result;
        }
        const std::size_t n = std::min(from.size(), room);
        sent.append(reinterpret_cast<const char*>(from.data()), n);
        room -= n;
        result.bytes = n;
        result.would_block = n < from.size();
        return result;
    }
    std::error_code shutdown_send() noexcept override {
        shut = true;
        return {};
    }
    void close() noexcept override { closed = true; }
    void watch(hio::TransportEvents* target) noexcept override { events = target; }
    void arm_read() override { read_armed = true; }
    void arm_write() override { write_armed = true; }
    std::error_code finish_connect() noexcept override { return {}; }
    [[nodiscard]] std::string remote_endpoint() const override { return "peer:1"; }
    [[nodiscard]] std::string local_endpoint() const override { return "self:2"; }

    // The peer sent more: as a reactor would, report readability if armed.
    void deliver(const std::string& bytes) {
        incoming += bytes;
        if (read_armed && events != nullptr) {
            read_armed = false;
            events->on_readable();
        }
    }
    void drain(std::size_t bytes) {
        room += bytes;
        if (write_armed && events != nullptr) {
            write_armed = false;
            events->on_writable();
        }
    }
};

struct CountingObserver final : hio::ConnectionObserver {
    int calls = 0;
    void on_activity(hio::Connection&) noexcept override { ++calls; }
};

struct Made {
    ScriptedTransport* transport;
    std::unique_ptr<hio::Connection> connection;
};

Made make(CountingObserver* observer, std::size_t rx = 16, std::size_t tx = 16) {
    auto transport = std::make_unique<ScriptedTransport>();
    ScriptedTransport* raw = transport.get();
    return {raw, std::make_unique<hio::Connection>(std::move(transport), hio::RingBuffer{rx}, hio::RingBuffer{tx},
                                                   observer)};
}

}  // namespace

TEST_CASE("Connection reads only what fits in rx and leaves the rest in the transport", "[connection]") {
    CountingObserver observer;
    auto [transport, connection] = make(&observer, 8);
    transport->incoming = "0123456789abcdef";
    CHECK(connection->wants_service());  // a new connection tries one read
    CHECK(connection->service());
    CHECK(connection->rx_buffer().size() == 8);
    CHECK(transport->incoming == "89abcdef");  // back pressure: TCP's window would close
    CHECK_FALSE(transport->read_armed);        // rx full: no point asking for readiness
    CHECK(connection->receive() == "01234567");
    CHECK(connection->wants_service());  // room again, and the transport was not drained
    connection->service();
    CHECK(connection->receive() == "89abcdef");
    connection->service();  // drained now: would block, so it arms
    CHECK(transport->read_armed);
    CHECK_FALSE(connection->wants_service());
    transport->deliver("x");
    CHECK(observer.calls >= 1);  // readiness reaches the observer
    CHECK(connection->wants_service());
    connection->service();
    CHECK(connection->receive() == "x");
}

TEST_CASE("Connection's send accepts what fits in tx and flushes when the transport has room", "[connection]") {
    CountingObserver observer;
    auto [transport, connection] = make(&observer, 16, 8);
    transport->room = 3;
    CHECK(connection->send("hello world") == 8);  // tx holds 8
    CHECK(observer.calls == 1);                  // told once: there is something to flush
    connection->service();
    CHECK(transport->sent == "hel");
    CHECK(transport->write_armed);  // would block: wait for writable
    CHECK_FALSE(connection->wants_service());
    transport->drain(100);
    CHECK(connection->wants_service());
    connection->service();
    CHECK(transport->sent == "hello wo");
    CHECK(connection->bytes_sent() == 8);
    CHECK(connection->tx_buffer().empty());
}

TEST_CASE("Connection keeps what the peer sent before its EOF readable", "[connection]") {
    auto [transport, connection] = make(nullptr);
    transport->incoming = "last words";
    connection->service();  // a short read: drained, so it waits for the next edge
    CHECK_FALSE(connection->peer_closed());
    transport->eof = true;
    transport->deliver("");  // the FIN's edge
    connection->service();
    CHECK(connection->peer_closed());
    CHECK(connection->connected());  // our side is still open: a half close
    CHECK(connection->receive() == "last words");
    CHECK(connection->send("reply") == 5);  // we may still answer
    connection->service();
    CHECK(transport->sent == "reply");
}

TEST_CASE("Connection closes on a transport failure and keeps the cause", "[connection]") {
    auto [transport, connection] = make(nullptr);
    transport->receive_error = std::make_error_code(std::errc::connection_reset);
    connection->service();
    CHECK(connection->closed());
    CHECK(connection->last_error() == std::errc::connection_reset);
    CHECK(transport->closed);
    CHECK(connection->send("too late") == 0);
    CHECK(connection->remote_endpoint() == "peer:1");  // kept after the close
}

TEST_CASE("Connection's shutdown_send ends our side only after tx has drained", "[connection]") {
    auto [transport, connection] = make(nullptr);
    transport->room = 2;
    connection->send("bye");
    connection->shutdown_send();
    CHECK(connection->send("more") == 0);  // nothing after the shutdown
    connection->service();
    CHECK_FALSE(transport->shut);  // "e" still waits
    transport->drain(10);
    connection->service();
    CHECK(transport->sent == "bye");
    CHECK(transport->shut);
}

TEST_CASE("Connection keeps one typed session and tells types apart without RTTI", "[connection]") {
    struct Parser final : hio::ConnectionSession {
        int requests = 0;
    };
    struct Other final : hio::ConnectionSession {
        [[nodiscard]] bool pending_output() const noexcept override { return true; }
    };
    auto [transport, connection] = make(nullptr);
    CHECK(connection->session<Parser>() == nullptr);
    Parser& parser = connection->emplace_session<Parser>();
    parser.requests = 3;
    REQUIRE(connection->session<Parser>() == &parser);
    CHECK(connection->session<Other>() == nullptr);  // a session of another type is not a Parser
    CHECK_FALSE(connection->any_session()->pending_output());
    connection->emplace_session<Other>();  // replaces (and destroys) the Parser
    CHECK(connection->session<Parser>() == nullptr);
    CHECK(connection->any_session()->pending_output());
}

TEST_CASE("Connection refuses a null transport", "[connection]") {
    CHECK_THROWS_AS(hio::Connection(nullptr, hio::RingBuffer{4}, hio::RingBuffer{4}, nullptr), hio::ValidationError);
}

TEST_CASE("receive_line takes whole lines, leaves a partial one, and reports one too long", "[connection][framing]") {
    CountingObserver observer;
    Made made = make(&observer, 32);
    made.transport->deliver("GET a\r\nPUT b\nPAR");
    made.connection->service();
    hio::Frame line = made.connection->receive_line(16);
    REQUIRE(line);
    CHECK(line.data == "GET a");  // the CR of CRLF dropped with the LF
    line = made.connection->receive_line(16);
    REQUIRE(line);
    CHECK(line.data == "PUT b");
    line = made.connection->receive_line(16);
    CHECK(line.status == hio::Frame::Status::partial);  // "PAR" waits for the rest
    CHECK(made.connection->rx_buffer().size() == 3);
    made.transport->deliver("TIAL\n");
    made.connection->service();
    line = made.connection->receive_line(16);
    REQUIRE(line);
    CHECK(line.data == "PARTIAL");

    made.transport->deliver("0123456789ABCDEFG\n");  // 17 bytes before the end: one too many
    made.connection->service();
    line = made.connection->receive_line(16);
    CHECK(line.status == hio::Frame::Status::too_long);
    CHECK(line.data.empty());
    CHECK(made.connection->rx_buffer().size() == 18);  // nothing taken: the server answers, then closes
    made.connection->rx_buffer().consume(18);
    made.transport->deliver("0123456789ABCDEF\r\n");  // 16 bytes and CRLF: fits
    made.connection->service();
    line = made.connection->receive_line(16);
    REQUIRE(line);
    CHECK(line.data == "0123456789ABCDEF");
}

TEST_CASE("A line that fills rx without its end is too long, not a wait forever", "[connection][framing]") {
    CountingObserver observer;
    Made made = make(&observer, 8);
    made.transport->deliver("abcdefghij\n");
    made.connection->service();
    CHECK(made.connection->rx_buffer().full());
    CHECK(made.connection->receive_line(100).status == hio::Frame::Status::too_long);  // it can never fit
}

TEST_CASE("receive_until takes up to any delimiter, receive_frame a length-prefixed message", "[connection][framing]") {
    CountingObserver observer;
    Made made = make(&observer, 64);
    made.transport->deliver(std::string{"one||two||"} + std::string{"\x00\x03" "abc" "\x00\x05" "de", 9});
    made.connection->service();
    hio::Frame item = made.connection->receive_until("||", 8);
    REQUIRE(item);
    CHECK(item.data == "one");
    item = made.connection->receive_until("||", 2);
    CHECK(item.status == hio::Frame::Status::too_long);  // "two" is three bytes
    item = made.connection->receive_until("||", 3);
    REQUIRE(item);
    CHECK(item.data == "two");
    hio::Frame message = made.connection->receive_frame(2, 100);
    REQUIRE(message);
    CHECK(message.data == "abc");
    message = made.connection->receive_frame(2, 100);
    CHECK(message.status == hio::Frame::Status::partial);  // 2 of 5 bytes came
    made.transport->deliver("fgh");
    made.connection->service();
    message = made.connection->receive_frame(2, 4);
    CHECK(message.status == hio::Frame::Status::too_long);  // 5 > 4: refused before the bytes are read
    message = made.connection->receive_frame(2, 5);
    REQUIRE(message);
    CHECK(message.data == "defgh");
    CHECK(made.connection->rx_buffer().empty());
    CHECK_THROWS_AS(made.connection->receive_frame(3, 10), hio::ValidationError);  // 1, 2, 4 or 8 bytes
    CHECK_THROWS_AS(made.connection->receive_until("", 10), hio::ValidationError);
}
