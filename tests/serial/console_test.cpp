// serial::Console (hio: serial.Console) on a pseudo-terminal: the test types on the master
// side; the console reads the slave, cooked (the terminal's line discipline) or raw.
#include <termios.h>

#include <string>
#include <vector>

#include <hio/serial.hpp>

#include "catch.hpp"
#include "support/process.hpp"
#include "support/pty.hpp"

using hio_test::Until;

namespace {

// Collects the console's lines.
class Reader : public hio::serial::ConsoleDoer {
public:
    using ConsoleDoer::ConsoleDoer;
    std::vector<std::string> lines;

protected:
    bool serve(double) override {
        while (auto line = console().line())
            lines.push_back(*line);
        return false;
    }
};


}  // namespace

TEST_CASE("A cooked Console gets the lines typed, edited by the terminal, Ctrl-D ends the input",
          "[serial][console]") {
    hio::Reactor reactor;
    hio_test::Pty terminal;
    hio::serial::Console console{reactor, {.source = hio::serial::ConsoleSource::path, .path = terminal.slave}};
    Reader reader{console};
    bool typed = false;
    REQUIRE(hio_test::reached(reactor, {&reader}, [&] {
        if (!typed) {
            terminal.write("hello\nwrongg\x7f\nlast without end");  // \x7f: backspace, the terminal edits
            terminal.write("\x04\x04");  // Ctrl-D ends the partial line, a second one the input
            typed = true;
        }
        return console.eof();
    }));
    CHECK(reader.lines == std::vector<std::string>{"hello", "wrong", "last without end"});
    CHECK(terminal.read_available().find("hello") != std::string::npos);  // the terminal echoed it
}

TEST_CASE("A raw Console turns the terminal's echo and line editing off, and back on at close", "[serial][console]") {
    hio::Reactor reactor;
    hio_test::Pty terminal;
    REQUIRE((terminal.settings().c_lflag & (ICANON | ECHO)) == (ICANON | ECHO));
    hio::serial::Console console{reactor, {.source = hio::serial::ConsoleSource::path,
                                           .path = terminal.slave,
                                           .mode = hio::serial::ConsoleMode::raw,
                                           .max_line = 100}};
    Reader reader{console};
    bool typed = false;
    REQUIRE(hio_test::reached(reactor, {&reader}, [&] {
        if (!typed) {
            CHECK(console.terminal());
            CHECK((terminal.settings().c_lflag & (ICANON | ECHO)) == 0);
            terminal.write("a\x7f" "b\r\n" + std::string(5000, 'z') + "\nend\r");  // Enter is \r
            typed = true;
        }
        return reader.lines.size() == 3;
    }));
    CHECK(reader.lines[0] == "a\x7f" "b");  // raw: the backspace is a character like any other
    CHECK(reader.lines[1] == std::string(100, 'z'));
    CHECK(reader.lines[2] == "end");
    CHECK(console.lines_cut() == 1);
    CHECK(terminal.read_available().empty());  // nothing echoed
    CHECK((terminal.settings().c_lflag & (ICANON | ECHO)) == (ICANON | ECHO));  // restored at exit
}

TEST_CASE("An EchoConsoleDoer prompts, echoes, helps, and finishes on q", "[serial][console]") {
    hio::Reactor reactor;
    hio_test::Pty terminal;
    hio::serial::Console console{reactor, {.source = hio::serial::ConsoleSource::path, .path = terminal.slave}};
    hio::serial::EchoConsoleDoer echo{console};
    std::string screen;
    bool typed = false;
    hio::Doist doist{{.tock = 0.01, .limit = 5.0, .real = true, .waiter = &reactor}};
    Until typist{[&] {
        screen += terminal.read_available();
        if (!typed && screen.find("Type cmd") != std::string::npos) {
            terminal.write("hi there\nh\nq\n");
            typed = true;
        }
        return echo.done();
    }};
    doist.run({&echo, &typist});
    screen += terminal.read_available();
    CHECK(echo.done());
    CHECK(echo.echoed() == 1);
    CHECK(screen.find("Cmds: q=quit, h=help otherwise echoes.") != std::string::npos);
    CHECK(screen.find("Echo: hi there") != std::string::npos);
    CHECK(screen.find("Help: type q to quit") != std::string::npos);
    CHECK(screen.find("Goodbye.") != std::string::npos);  // written before the close
}

TEST_CASE("A Console refuses bad settings, and a missing terminal with the system's code", "[serial][console]") {
    hio::Reactor reactor;
    CHECK_THROWS_AS((hio::serial::Console{reactor, {.max_line = 0}}), hio::ValidationError);
    CHECK_THROWS_AS((hio::serial::Console{reactor, {.source = hio::serial::ConsoleSource::path}}),
                    hio::ValidationError);
    hio::serial::Console missing{reactor, {.source = hio::serial::ConsoleSource::path, .path = "/dev/no-such-tty"}};
    CHECK_THROWS_AS(missing.open(), hio::SystemError);
    CHECK_FALSE(missing.opened());
    CHECK(missing.eof());
    CHECK(missing.put("nowhere") == 0);
}
