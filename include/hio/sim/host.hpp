#pragma once
/// \file
/// hio::sim::Host: one simulated machine of a World: a name, an address, the networks its
/// doers use, and the DoDoer that runs them, which a crash closes and a restart enters again.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <functional>

#include <hio/dodoer.hpp>
#include <hio/sim/disk.hpp>
#include <hio/doer.hpp>
#include <hio/io/datagram.hpp>
#include <hio/io/transport.hpp>

namespace hio::sim {

/// Settings of a Host.
struct HostOptions {
    /// Its address; empty: the World gives it 10.0.0.N.
    std::string address{};
    /// May the fault menu's random crashes pick it?
    bool crashable = true;
};

namespace detail {

/// What the World's rooms know of a host: who it is, whether it is up, the ports it gave out.
struct HostState {
    std::string name;
    std::string address;
    std::uint32_t index = 0;  // its place in the World, in the order hosts were added
    bool crashable = true;
    bool up = true;
    bool crash_pending = false;    // its doers are to be closed in its next pass
    bool restart_pending = false;  // its doers are to be entered again in its next pass
    std::uint64_t crashes = 0;
    std::uint16_t next_port = 40000;  // ephemeral ports, and port 0 of listen and bind
    std::vector<Doer*> members;       // the doers it runs, in the order added
    Disk disk;                        // survives crashes (what was synced)
    std::function<void()> on_crash;   // what a crash loses, said by the program
    std::function<void()> on_restart;

    /// The next ephemeral port (40000-65535, wrapping).
    std::uint16_t take_port() noexcept {
        const std::uint16_t port = next_port;
        next_port = next_port == 65535 ? std::uint16_t{40000} : static_cast<std::uint16_t>(next_port + 1);
        return port;
    }

    /// The next ephemeral port that `taken(port)` does not claim (listen or bind to port 0);
    /// when every one is taken, the next one anyway (the caller's own check then refuses it).
    template <class Taken>
    std::uint16_t take_free_port(Taken&& taken) {
        for (std::uint32_t tries = 0; tries < 65536 && taken(next_port); ++tries)
            static_cast<void>(take_port());
        return take_port();
    }
};

}  // namespace detail

/// A simulated machine: a name, an address, a Network view, and the doers it runs, grouped in
/// a DoDoer (doer()) that goes into the Doist.
///
/// World::crash(): its connections vanish without FIN (peers hear nothing, then a reset once
/// it is up again and they send), its listeners are gone, and its doers are closed (close,
/// exit). World::restart(): its doers are entered again, as a rebooted machine starts its
/// programs.
///
/// What survives a crash: the doers are the same objects, so their members survive unless
/// the program resets them; say what a crash loses with on_crash() (or reset it in enter()),
/// and keep what a machine keeps on its disk in disk(), which loses what was not synced.
class Host {
public:
    /// Made by the World (World::host()), which gives it its state and its two network views.
    Host(std::unique_ptr<detail::HostState> state, std::unique_ptr<hio::Network> network,
         std::unique_ptr<hio::DatagramNetwork> datagrams)
        : state_{std::move(state)}, network_{std::move(network)}, datagrams_{std::move(datagrams)},
          runner_{*state_} {}

    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    ~Host() = default;

    /// Its name (unique in the World).
    [[nodiscard]] const std::string& name() const noexcept { return state_->name; }
    /// Its address (unique in the World).
    [[nodiscard]] const std::string& address() const noexcept { return state_->address; }
    /// Its number in the World: 0, 1, ... in the order hosts were added.
    [[nodiscard]] std::uint32_t index() const noexcept { return state_->index; }
    /// The network as this host's doers see it.
    [[nodiscard]] hio::Network& network() noexcept { return *network_; }
    /// The datagram network as this host's doers see it (for udp::Peer).
    [[nodiscard]] hio::DatagramNetwork& datagrams() noexcept { return *datagrams_; }
    /// The DoDoer that runs this host's doers (World::doers() lists every host's).
    [[nodiscard]] DoDoer& doer() noexcept { return runner_; }

    /// Adds doers to the host (not owned; they must outlive the run); while running they are
    /// entered at once.
    void add(const std::vector<Doer*>& doers) {
        for (Doer* doer : doers)
            if (doer != nullptr && std::find(state_->members.begin(), state_->members.end(), doer) == state_->members.end())
                state_->members.push_back(doer);
        if (state_->up)
            runner_.extend(doers);
    }

    /// The host's disk: what it keeps across crashes (see Disk).
    [[nodiscard]] Disk& disk() noexcept { return state_->disk; }

    /// Calls `fn` when the host crashes (after its connections vanished, before its doers are
    /// closed in its next pass): clear here what a crash loses (caches, in-memory tables).
    void on_crash(std::function<void()> fn) { state_->on_crash = std::move(fn); }
    /// Calls `fn` when the host restarts, before its doers enter again: reload from disk() here.
    void on_restart(std::function<void()> fn) { state_->on_restart = std::move(fn); }

    /// True unless crashed.
    [[nodiscard]] bool up() const noexcept { return state_->up; }
    /// May random crashes pick it?
    [[nodiscard]] bool crashable() const noexcept { return state_->crashable; }
    /// Times it crashed.
    [[nodiscard]] std::uint64_t crashes() const noexcept { return state_->crashes; }

    /// What the World's rooms keep of it.
    [[nodiscard]] detail::HostState& state() noexcept { return *state_; }

private:
    // The host's DoDoer: applies a crash or a restart in its own pass (so its children are
    // never closed from inside another doer's recur), and waits idle while the host is down.
    class Runner final : public DoDoer {
    public:
        explicit Runner(detail::HostState& host) : host_{host} {}

    protected:
        bool recur(double tyme) override {
            if (host_.crash_pending) {
                host_.crash_pending = false;
                remove(host_.members);
            }
            if (host_.restart_pending && host_.up) {
                host_.restart_pending = false;
                extend(host_.members);
            }
            if (!host_.up) {
                idle();
                return false;
            }
            return DoDoer::recur(tyme);
        }

    private:
        detail::HostState& host_;
    };

    std::unique_ptr<detail::HostState> state_;
    std::unique_ptr<hio::Network> network_;
    std::unique_ptr<hio::DatagramNetwork> datagrams_;
    Runner runner_;
};

}  // namespace hio::sim
