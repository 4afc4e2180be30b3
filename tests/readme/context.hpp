// What the README's statement snippets use without declaring it: one struct per context,
// named by the snippet's marker (`<!-- compile: statements with_network -->`). A snippet becomes the
// body of a member function of a struct derived from its context, so it sees these members
// as plain names. Nothing here runs: the snippets are compiled, not executed (programs are).
#pragma once

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <hio/hio.hpp>
#include <hio/sockets.hpp>
#if defined(HIO_README_ASIO)
#include <chrono>
#include <csignal>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <hio/asio.hpp>
#endif

namespace readme {

/// For snippets that declare everything they use.
struct none {};

/// A TCP network (and its Reactor), for server and client snippets.
struct with_network {
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};
};

/// Two doers to group, for the DoDoer snippet.
struct doers {
    hio::Doer reader;
    hio::Doer writer;
};

/// A TCP server to serve HTTP on.
struct with_tcp_server : with_network {
    hio::StreamServer tcp_server{network, {}};
    hio::StreamServer& tcp = tcp_server;
};

/// Inside a handler: the request and the response being filled.
struct in_handler {
    hio::http::Request request_value;
    hio::http::Response response_value;
    const hio::http::Request& request = request_value;
    hio::http::Response& response = response_value;
};

/// A handler that streams, and the producer doer that feeds the stream later.
struct in_stream : in_handler {
    std::string next_piece = "more";
    bool done = false;
};

// --- docs/model.md ---

/// Three doers to group (a sampler, a reporter, a heartbeat).
struct group_members {
    hio::Doer sampler;
    hio::Doer reporter;
    hio::Doer heartbeat;
};

/// Something to hand an item to.
struct with_use {
    void use(int) {}
};

/// Two doers for a Doist driven by hand.
struct two_doers {
    hio::Doer a;
    hio::Doer b;
};

/// The Counter of the first program, as a type.
struct with_counter {
    class Counter : public hio::Doer {
    protected:
        bool recur(double) override { return ++count_ == 3; }

    private:
        int count_ = 0;
    };
};

#if defined(HIO_README_ASIO)
// --- README.md's and docs/asio.md's Asio ---

/// A doer to wake.
struct with_asio {
    hio::Doer doer;
};

/// An application's io_context and a Doist to run in it.
struct with_doist_in_asio {
    asio::io_context io;
    hio::Doist doist;
};
#endif

}  // namespace readme
