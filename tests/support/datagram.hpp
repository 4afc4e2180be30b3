// Helpers for the datagram tests: a Reactor with a udp::Network, a real-time runner with a
// wall-clock bound, and a doer that keeps what its peer receives. Core and udp only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <hio/udp.hpp>

#include "support/process.hpp"

namespace hio_test {

/// A Reactor and a udp::Network on it; runs doers in real time until a goal or a limit.
struct DatagramRig {
    hio::Reactor reactor;
    hio::udp::Network network{reactor};

    /// Runs `doers` in real time until `goal()` holds or `limit` seconds pass; returns
    /// whether the goal was reached. Every doer is closed at the end.
    bool run_until(std::vector<hio::Doer*> doers, const std::function<bool()>& goal, double limit = 10.0) {
        return hio_test::run_until(reactor, std::move(doers), goal, limit).reached;
    }
};

/// Keeps every datagram its peer receives (payload, sender, truncation), in order.
class Collector : public hio::DatagramPeerDoer {
public:
    using DatagramPeerDoer::DatagramPeerDoer;

    std::vector<hio::Datagram> got;
    /// When false, it takes nothing: the receive queue fills (back pressure).
    bool taking = true;

protected:
    bool serve(double) override {
        while (taking) {
            std::optional<hio::Datagram> datagram = peer().receive();
            if (!datagram)
                break;
            got.push_back(std::move(*datagram));
        }
        return false;
    }
};

}  // namespace hio_test
