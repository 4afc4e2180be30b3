// serial::Device (hio: serial.Device) over a pseudo-terminal pair: the test holds the master
// side, the device opens the slave as a serial line would be opened. No hardware needed.
#include <termios.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>

#include <hio/serial.hpp>

#include "catch.hpp"
#include "support/process.hpp"
#include "support/pty.hpp"



TEST_CASE("A Device is set raw, 8N1, at the baud asked, and its old settings come back at close", "[serial][device]") {
    hio::Reactor reactor;
    hio_test::Pty line;
    const termios before = line.settings();
    REQUIRE((before.c_lflag & ICANON) != 0);  // a new pty is cooked
    hio::serial::Device device{reactor, {.path = line.slave, .baud = 115200}};
    device.open();
    CHECK(device.opened());
    CHECK(device.baud() == 115200);
    const termios during = line.settings();
    CHECK(::cfgetospeed(&during) == B115200);
    CHECK(::cfgetispeed(&during) == B115200);
    CHECK((during.c_cflag & CSIZE) == CS8);
    CHECK((during.c_cflag & (PARENB | CSTOPB | CRTSCTS)) == 0);
    CHECK((during.c_lflag & (ICANON | ECHO | ISIG)) == 0);
    CHECK((during.c_oflag & OPOST) == 0);
    device.close();
    CHECK_FALSE(device.opened());
    const termios after = line.settings();
    CHECK((after.c_lflag & ICANON) != 0);
    CHECK(::cfgetospeed(&after) == ::cfgetospeed(&before));
    device.close();  // idempotent
}

TEST_CASE("Bytes from the far end arrive in rx and an EchoDeviceDoer sends them back, byte for byte",
          "[serial][device]") {
    hio::Reactor reactor;
    hio_test::Pty line;
    hio::serial::Device device{reactor, {.path = line.slave, .baud = 9600}};
    hio::serial::EchoDeviceDoer echo{device};
    std::string binary;
    for (int i = 0; i < 256; ++i)
        binary.push_back(static_cast<char>(i));  // raw: no byte is special, not even ^C or ^D
    std::string back;
    bool sent = false;
    REQUIRE(hio_test::reached(reactor, {&echo}, [&] {
        if (!sent) {
            line.write(binary);
            sent = true;
        }
        back += line.read_available();
        return back.size() >= binary.size();
    }));
    CHECK(back == binary);
}

TEST_CASE("A Device that nobody reads holds at most its buffer, the rest waits in the line", "[serial][device]") {
    hio::Reactor reactor;
    hio_test::Pty line;
    hio::serial::Device device{reactor, {.path = line.slave, .buffer_size = 64}};
    hio::serial::DeviceDoer idle{device};  // takes nothing
    line.write(std::string(1000, 'x'));
    std::uint64_t received = 0;
    std::size_t taken = 0;
    REQUIRE(hio_test::reached(reactor, {&idle}, [&] {
        if (device.connection().rx_buffer().size() < 64)
            return false;
        received = device.connection().bytes_received();
        taken = device.send(std::string(100, 'y'));  // tx takes what fits
        return true;
    }));
    CHECK(received == 64);
    CHECK(taken == 64);
}

TEST_CASE("A Device refuses a missing path, a file that is not a terminal, and a baud termios does not know",
          "[serial][device]") {
    hio::Reactor reactor;
    CHECK_THROWS_AS((hio::serial::Device{reactor, {.path = "/dev/ttyS0", .baud = 12345}}), hio::ValidationError);
    CHECK_THROWS_AS((hio::serial::Device{reactor, {.path = ""}}), hio::ValidationError);
    hio::serial::Device missing{reactor, {.path = "/dev/no-such-serial-line"}};
    try {
        missing.open();
        FAIL("opened a missing device");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::no_such_file_or_directory);
    }
    hio::serial::Device null{reactor, {.path = "/dev/null"}};
    try {
        null.open();
        FAIL("took /dev/null for a serial line");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::inappropriate_io_control_operation);
        CHECK(std::string{error.what()}.find("is not a serial device") != std::string::npos);
    }
    CHECK_FALSE(null.opened());
    CHECK_THROWS_AS(null.connection(), hio::Error);
}

TEST_CASE("A device doer destroyed while it runs leaves its device no dead doer to wake", "[serial][device][lifetime]") {
    hio::Reactor reactor;
    hio_test::Pty line;
    hio::serial::Device device{reactor, {.path = line.slave, .baud = 9600}};
    auto doer = std::make_unique<hio::serial::EchoDeviceDoer>(device);
    hio::Doist doist{{.tock = 0.01, .waiter = &reactor}, {doer.get()}};
    doist.enter();
    REQUIRE(device.opened());
    doer.reset();
    CHECK(device.owner() == nullptr);
    line.write("ping");  // the device turns readable: its Reactor tells it, and it wakes nobody
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds{50};
    reactor.wait_until(until, [] { return false; });
    device.service();
    CHECK(device.receive() == "ping");
}
