// RingBuffer and BufferPool: bounded, contiguous spans, back pressure, pooled storage.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <hio/io/ring_buffer.hpp>

#include "catch.hpp"

TEST_CASE("RingBuffer refuses what does not fit and reports how much it took", "[ring_buffer]") {
    hio::RingBuffer buffer{8};
    CHECK(buffer.empty());
    CHECK_FALSE(buffer.holds_storage());  // storage is made on the first write
    CHECK(buffer.write("hello") == 5);
    CHECK(buffer.write("world") == 3);  // only 3 bytes of room
    CHECK(buffer.full());
    CHECK(buffer.write("!") == 0);
    CHECK(buffer.read_string(3) == "hel");
    CHECK(buffer.write("xyz") == 3);  // wraps around the end
    CHECK(buffer.size() == 8);
    CHECK(buffer.read_string() == "loworxyz");
    CHECK(buffer.empty());
}

TEST_CASE("RingBuffer spans are contiguous and wrap in two pieces", "[ring_buffer]") {
    hio::RingBuffer buffer{8};
    CHECK(buffer.write_span().size() == 8);
    CHECK(buffer.write("abcdef") == 6);
    buffer.consume(4);                   // head at 4, data "ef"
    CHECK(buffer.write_span().size() == 2);  // room to the end first
    CHECK(buffer.write("ghij") == 4);    // "gh" at the end, "ij" at the front
    const auto first = buffer.read_span();
    CHECK(std::string(reinterpret_cast<const char*>(first.data()), first.size()) == "efgh");
    buffer.consume(first.size());
    const auto second = buffer.read_span();
    CHECK(std::string(reinterpret_cast<const char*>(second.data()), second.size()) == "ij");
    CHECK_THROWS_AS(buffer.consume(3), hio::ValidationError);
    CHECK_THROWS_AS(buffer.commit(100), hio::ValidationError);
}

TEST_CASE("RingBuffer commit after writing into write_span", "[ring_buffer]") {
    hio::RingBuffer buffer{4};
    auto span = buffer.write_span();
    span[0] = std::byte{'o'};
    span[1] = std::byte{'k'};
    buffer.commit(2);
    CHECK(buffer.read_string() == "ok");
}

TEST_CASE("RingBuffer watermarks tell producers when to hold off", "[ring_buffer]") {
    hio::RingBuffer buffer{100};
    buffer.watermarks(20, 80);
    CHECK(buffer.write(std::string(80, 'x')) == 80);
    CHECK(buffer.above_high_watermark());
    buffer.consume(59);
    CHECK_FALSE(buffer.below_low_watermark());
    buffer.consume(1);
    CHECK(buffer.below_low_watermark());
    CHECK_THROWS_WITH(buffer.watermarks(50, 40),
                      "RingBuffer: watermarks need low <= high <= capacity (100), got low 50, high 40");
    CHECK_THROWS_AS(hio::RingBuffer{0}, hio::ValidationError);
}

TEST_CASE("RingBuffer transfer_from moves what fits, in order", "[ring_buffer]") {
    hio::RingBuffer from{16};
    hio::RingBuffer to{5};
    from.write("0123456789");
    CHECK(to.transfer_from(from) == 5);
    CHECK(to.read_string() == "01234");
    CHECK(to.transfer_from(from) == 5);
    CHECK(to.read_string() == "56789");
    CHECK(from.empty());
}

TEST_CASE("Pooled buffers hold storage only while they hold bytes", "[ring_buffer]") {
    hio::BufferPool pool{1024, 4};
    {
        hio::RingBuffer a{pool};
        hio::RingBuffer b{pool};
        CHECK(a.capacity() == 1024);
        CHECK(pool.lent() == 0);
        a.write("data");
        CHECK(pool.lent() == 1);
        CHECK(a.read_string() == "data");
        CHECK(pool.lent() == 0);   // drained: given back
        CHECK(pool.idle() == 1);   // kept for the next user: no allocation in steady state
        b.write("more");
        CHECK(pool.idle() == 0);
        CHECK(pool.lent() == 1);
    }
    CHECK(pool.lent() == 0);  // a destroyed buffer gives its block back
    CHECK(pool.idle() == 1);
}

TEST_CASE("transfer_from into an empty buffer of the same pool trades storage instead of copying",
          "[ring_buffer]") {
    hio::BufferPool pool{64, 4};
    hio::BufferPool other{64, 4};
    {
        hio::RingBuffer rx{pool};
        hio::RingBuffer tx{pool};
        rx.write("abc");
        rx.consume(1);  // a head that is not at 0 travels with the block
        rx.write("defg");
        const std::byte* bytes = rx.read_span().data();
        CHECK(tx.transfer_from(rx) == 6);
        CHECK(tx.read_span().data() == bytes);  // the same block: no copy
        CHECK(rx.empty());
        CHECK(pool.lent() == 1);  // only the block that holds bytes is out
        CHECK(tx.read_string() == "bcdefg");
        CHECK(pool.lent() == 0);

        // A buffer from another pool, or one not empty, gets a copy.
        hio::RingBuffer foreign{other};
        rx.write("xyz");
        CHECK(foreign.transfer_from(rx) == 3);
        CHECK(pool.lent() == 0);
        CHECK(other.lent() == 1);
        tx.write("1");
        rx.write("23");
        CHECK(tx.transfer_from(rx) == 2);
        CHECK(tx.read_string() == "123");
        CHECK(foreign.read_string() == "xyz");
    }
    CHECK(pool.lent() == 0);
    CHECK(other.lent() == 0);
}

TEST_CASE("RingBuffer finds a byte string across its wrap, and peeks without consuming", "[ring_buffer][find]") {
    hio::RingBuffer buffer{8};
    CHECK(buffer.find("\n") == hio::RingBuffer::npos);  // empty
    buffer.write(std::string_view{"xxxxxx"});
    buffer.consume(5);  // one byte left at offset 5: what comes next wraps after two more
    REQUIRE(buffer.write(std::string_view{"ab\r\ncd\r"}) == 7);
    buffer.consume(1);
    REQUIRE(buffer.write(std::string_view{"\n"}) == 1);
    CHECK(buffer.read_span().size() == 2);               // "ab" | "\r\ncd\r\n": two pieces
    CHECK(buffer.find("\r\n") == 2);                     // the needle straddles the wrap
    CHECK(buffer.find("\r\n", 3) == 6);
    CHECK(buffer.find("cd") == 4);
    CHECK(buffer.find("b\r") == 1);
    CHECK(buffer.find("ab\r\ncd\r\n") == 0);
    CHECK(buffer.find("ab\r\ncd\r\n!") == hio::RingBuffer::npos);  // longer than what is held
    CHECK(buffer.find("zz") == hio::RingBuffer::npos);
    CHECK(buffer.find("") == 0);
    CHECK(buffer.find("a", 9) == hio::RingBuffer::npos);
    std::string peeked(3, '\0');
    CHECK(buffer.peek(std::as_writable_bytes(std::span{peeked.data(), peeked.size()}), 1) == 3);
    CHECK(peeked == "b\r\n");
    CHECK(buffer.size() == 8);  // nothing consumed
    CHECK(buffer.at(5) == std::byte{'d'});
}
