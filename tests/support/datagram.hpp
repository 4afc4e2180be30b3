// Helpers for the datagram tests: a backend with its datagram network, a real-time runner with a
// wall-clock bound, and a doer that keeps what its peer receives. Core and udp only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <hio/udp.hpp>
#if defined(HIO_TEST_ASIO)
#include <hio/asio/datagrams.hpp>
#endif

#include "support/backend.hpp"

#include "support/process.hpp"

namespace hio_test {

#if defined(HIO_TEST_ASIO)
using DatagramRigStorage = RigStorage<hio::DatagramNetwork, hio::udp::Network, hio::asio::DatagramNetwork>;
#else
using DatagramRigStorage = RigStorage<hio::DatagramNetwork, hio::udp::Network, void>;
#endif

/// A backend's event loop and datagram network (as HIO_TEST_BACKEND says: a Reactor and a
/// udp::Network, or an asio::Context and an asio::DatagramNetwork); runs doers in real time
/// until a goal or a limit.
struct DatagramRig : private DatagramRigStorage {
    DatagramRig() : kind{backend()}, waiter{make_waiter(kind)}, network{make_network(kind)} {}
    DatagramRig(const DatagramRig&) = delete;
    DatagramRig& operator=(const DatagramRig&) = delete;

    Backend kind;
    hio::Waiter& waiter;
    hio::DatagramNetwork& network;

    /// Runs `doers` in real time until `goal()` holds or `limit` seconds pass; returns
    /// whether the goal was reached. Every doer is closed at the end.
    bool run_until(std::vector<hio::Doer*> doers, const std::function<bool()>& goal, double limit = 10.0) {
        return hio_test::run_until(waiter, std::move(doers), goal, limit).reached;
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
