// A pseudo-terminal pair for the console and serial tests: the test holds the master side
// (the keyboard and screen, or the far end of a serial line); the code under test opens the
// slave device, as it would a terminal or /dev/ttyUSB0.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "catch.hpp"

namespace hio_test {

struct Pty {
    int master = -1;
    std::string slave;  ///< the device path of the slave side

    Pty() {
        master = ::posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
        REQUIRE(master >= 0);
        REQUIRE(::grantpt(master) == 0);
        REQUIRE(::unlockpt(master) == 0);
        slave = ::ptsname(master);
    }
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;
    ~Pty() { ::close(master); }

    /// Types `bytes` (they arrive at the slave side).
    void write(const std::string& bytes) const {
        REQUIRE(::write(master, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    }

    /// What the slave side wrote (and the terminal echoed), as far as it is there now.
    std::string read_available() const {
        std::string out;
        char chunk[4096];
        for (ssize_t got; (got = ::read(master, chunk, sizeof chunk)) > 0;)
            out.append(chunk, static_cast<std::size_t>(got));
        return out;
    }

    /// The slave side's terminal settings now.
    termios settings() const {
        const int fd = ::open(slave.c_str(), O_RDWR | O_NOCTTY);
        REQUIRE(fd >= 0);
        termios t{};
        REQUIRE(::tcgetattr(fd, &t) == 0);
        ::close(fd);
        return t;
    }
};

}  // namespace hio_test
