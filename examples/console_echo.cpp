// console_echo: one thread, one Doist, two input sources. The terminal is read line by line
// (hio's EchoConsoleDoer: prompts, echoes, "h" for help, "q" to quit) while a TCP echo
// server serves clients, and neither waits for the other.
//
// Run:   build/examples/console_echo                  (the terminal; TCP on 127.0.0.1, a free port)
//        build/examples/console_echo --raw            (keys arrive at once, not echoed by the terminal)
//        printf 'a\nb\nq\n' | build/examples/console_echo --stdio   (standard input, a pipe)
// Talk:  type lines at the terminal; and from another terminal: nc 127.0.0.1 PORT
// Stop:  q, Ctrl-D (end of input), Ctrl-C or SIGTERM.
//
// Each input source is a doer: the console doer idles until a key arrives, the server doer
// until a socket is ready, and the Doist sleeps in the Reactor until either happens.
#include <cstdio>
#include <exception>
#include <string>

#include <hio/serial.hpp>
#include <hio/tcp.hpp>

#include "arguments.hpp"

namespace {

// The console echo, which ends the whole program when the user quits.
class Console : public hio::serial::EchoConsoleDoer {
public:
    Console(hio::serial::Console& console, hio::Doist& doist) : EchoConsoleDoer{console}, doist_{doist} {}

protected:
    bool serve(double tyme) override {
        const bool quit = EchoConsoleDoer::serve(tyme);
        if (quit)
            doist_.request_stop();  // closes the server too
        return quit;
    }

private:
    hio::Doist& doist_;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv, "console_echo [--host H] [--port P] [--stdio] [--raw]",
                                  {"--host", "--port"}, {"--stdio", "--raw"}};
    hio::StreamServerOptions server_options;
    server_options.host = args.text("--host", server_options.host);
    server_options.port = static_cast<std::uint16_t>(args.integer("--port", 0, 0, 65535));
    hio::serial::ConsoleOptions console_options;
    console_options.source = args.flag("--stdio") ? hio::serial::ConsoleSource::standard
                                                  : hio::serial::ConsoleSource::terminal;
    console_options.mode = args.flag("--raw") ? hio::serial::ConsoleMode::raw : hio::serial::ConsoleMode::cooked;
    try {
        hio::Reactor reactor;  // both the terminal and the sockets are watched here
        hio::tcp::Network network{reactor};
        hio::StreamServer server{network, server_options};
        hio::EchoServerDoer echo{server};
        server.open();

        hio::serial::Console terminal{reactor, console_options};
        terminal.open();
        terminal.put("TCP echo listening on " + server.local_endpoint() + "\n");

        hio::Doist doist{{.tock = 0.03125, .real = true, .waiter = &reactor}};
        Console console{terminal, doist};
        doist.run({&console, &echo});  // until q, the end of input, or a signal
        std::printf("stopped: %llu lines echoed, %llu connections served\n",
                    static_cast<unsigned long long>(console.echoed()),
                    static_cast<unsigned long long>(server.accepted()));
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "console_echo: %s\n", error.what());
        return 1;
    }
}
