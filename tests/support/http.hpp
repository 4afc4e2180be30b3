// Helpers for HTTP tests: a server doer with a handler on a free loopback port, peer programs
// run against it, and the Python snippets the raw-socket tests share.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"

#include "support/net.hpp"

namespace hio_test {

/// An http::ServerDoer with `handler` on a free port of 127.0.0.1, and ways to run a client
/// program against it (with more doers alongside, such as a producer of streamed bodies).
struct HttpRig {
    NetRig rig;
    hio::StreamServer tcp;
    hio::http::ServerDoer http;

    explicit HttpRig(hio::http::Handler handler, hio::http::ServerOptions options = {},
                     hio::StreamServerOptions tcp_options = {})
        : tcp{rig.network, std::move(tcp_options)}, http{tcp, std::move(handler), std::move(options)} {
        tcp.open();
    }

    [[nodiscard]] std::string port() const { return std::to_string(tcp.port()); }

    /// Runs `argv` against the server (and `extra` doers); returns its exit code (-2 if it
    /// did not finish within `limit` seconds) and puts its stdout in `output`.
    int run(std::vector<std::string> argv, std::string& output, double limit = 20.0,
            std::vector<hio::Doer*> extra = {}) {
        const std::string path = temp_path("http_out");
        ProcessDoer process{std::move(argv), {}, path};
        extra.insert(extra.begin(), {&http, &process});
        const bool finished = rig.run_until(extra, [&] { return process.done(); }, limit);
        output = slurp(path);
        std::remove(path.c_str());
        return finished ? process.exit_code() : -2;
    }

    /// Sends `request` (its URL's "{base}" standing for "http://127.0.0.1:PORT") with a Client
    /// of our own made with `options`; returns its response, or nothing within `limit`.
    std::optional<hio::http::ClientResponse> fetch(hio::http::ClientRequest request,
                                                   hio::http::ClientOptions options = {}, double limit = 10.0) {
        if (const std::size_t at = request.url.find("{base}"); at != std::string::npos)
            request.url.replace(at, 6, "http://127.0.0.1:" + port());
        hio::http::Client client{rig.network, std::move(options)};
        hio::http::ClientDoer doer{client};
        client.request(std::move(request));
        std::optional<hio::http::ClientResponse> answer;
        rig.run_until({&http, &doer}, [&] {
            if (!answer)
                answer = client.responses().pull();
            return answer.has_value();
        }, limit);
        return answer;
    }

    /// Runs a Python script (PORT defined; socket, sys, time and http.client imported); it
    /// prints what it checks and exits non-zero on a mismatch.
    int python(const std::string& body, std::string& output, double limit = 20.0, std::vector<hio::Doer*> extra = {}) {
        return run({"python3", "-c", "import socket, sys, time, http.client\nPORT = " + port() + "\n" + body}, output,
                   limit, std::move(extra));
    }
};

/// Runs curl with `args` against a fresh server with `handler` (and `extra` doers), "{base}"
/// in an argument standing for "http://127.0.0.1:PORT"; returns curl's stdout. A server's
/// doer closes it when a run ends, so each call has its own.
inline std::string curl(hio::http::Handler handler, std::vector<std::string> args, std::vector<hio::Doer*> extra = {}) {
    HttpRig server{std::move(handler)};
    const std::string base = "http://127.0.0.1:" + server.port();
    std::vector<std::string> argv{"curl", "-s", "-m", "20"};
    for (std::string& arg : args) {
        for (std::size_t at = arg.find("{base}"); at != std::string::npos; at = arg.find("{base}"))
            arg.replace(at, 6, base);
        argv.push_back(std::move(arg));
    }
    std::string out;
    const int code = server.run(std::move(argv), out, 30.0, std::move(extra));
    INFO("curl exited " << code << ": " << out);
    REQUIRE(code == 0);
    return out;
}

/// Python: exchange(data) sends raw bytes on one connection and returns what came back until
/// the server closed (or '<timeout>' appended); check(condition, what) prints and exits 1 on
/// failure.
inline const std::string raw_exchange =
    "def exchange(data, timeout=5.0, pause=0.0):\n"
    "    s = socket.create_connection(('127.0.0.1', PORT), timeout=timeout)\n"
    "    if pause:\n"
    "        s.sendall(data[:len(data)//2]); time.sleep(pause); s.sendall(data[len(data)//2:])\n"
    "    else:\n"
    "        s.sendall(data)\n"
    "    got = b''\n"
    "    try:\n"
    "        while True:\n"
    "            chunk = s.recv(65536)\n"
    "            if not chunk: break\n"
    "            got += chunk\n"
    "    except socket.timeout:\n"
    "        got += b'<timeout>'\n"
    "    s.close()\n"
    "    return got\n"
    "sys.excepthook = lambda kind, value, trace: print('EXCEPTION', kind.__name__, value)\n"
    "def check(condition, what):\n"
    "    print(('ok ' if condition else 'FAILED ') + what)\n"
    "    if not condition: sys.exit(1)\n";

}  // namespace hio_test
