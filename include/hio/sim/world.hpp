#pragma once
/// \file
/// hio::sim::World: a seeded, simulated network of named hosts, in virtual time, behind the
/// same Network, Listener, Transport and Waiter seam real sockets use.
///
/// The World is a facade over its rooms: the hosts (host.hpp), the fabric they share (links,
/// clock, calendar, trace, stats: fabric.hpp), the stream model (streams.hpp, with its ends
/// in stream_end.hpp), the datagram model (datagrams.hpp) and the fault plan (faults.hpp).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/random.hpp>
#include <hio/sim/datagrams.hpp>
#include <hio/sim/fabric.hpp>
#include <hio/sim/faults.hpp>
#include <hio/sim/host.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/stream_end.hpp>
#include <hio/sim/streams.hpp>
#include <hio/sim/trace.hpp>
#include <hio/tymist.hpp>
#include <hio/waiter.hpp>

namespace hio::sim {

/// A seeded simulated network in virtual time: the Waiter of a virtual-time Doist.
///
/// Streams behave like TCP: in order, per-direction latency plus seeded jitter, bandwidth,
/// bounded send and receive windows (a reader that does not read stops the writer), segments
/// of seeded sizes (short reads), short writes, FIN and half close, RST. Reads and writes are
/// memory copies: no system call. The fault menu (FaultOptions) and World's own methods inject
/// resets, partitions, holds, crashes, drips, accept delays, black holes and would-block
/// storms; each is logged (faults()) and folded into the trace.
///
/// One seed drives it all: the network's noise, the faults, and the Random the doers draw from
/// (the Doist's, seeded when it attaches: see attach()). The Trace hashes every pass, doer run
/// and byte moved, so two runs of the same program and seed can be proved identical
/// (check_determinism).
///
/// ```
/// hio::sim::World world{{.seed = 7}};
/// hio::sim::Host& server = world.host("server");
/// hio::sim::Host& client = world.host("client");
/// hio::StreamServer listener{server.network(), {.port = 7}};
/// hio::EchoServerDoer echo{listener};
/// server.add({&echo});
/// // ... a client doer on client.network(), connecting to "server", port 7
/// hio::Doist doist{{.tock = 0.001, .limit = 10.0, .waiter = &world}, world.doers()};
/// doist.run();
/// std::cout << "trace " << world.trace().hex() << "\n";
/// ```
///
/// The World must outlive every doer, server, client and transport on it. It runs in virtual
/// time only: a real-time Doist waiting on it throws hio::Error.
class World final : public Waiter {
public:
    /// A World with `options`. Throws ValidationError for bad link or fault settings.
    explicit World(WorldOptions options = {})
        : random_{checked(options).seed}, fabric_{std::move(options), random_},
          fault_random_{random_.fork("faults")}, streams_{fabric_}, datagrams_{fabric_} {}

    World(const World&) = delete;
    World& operator=(const World&) = delete;
    ~World() override = default;

    /// Adds a host named `name` (unique). Throws ValidationError for an empty or taken name or
    /// address, and hio::Error once a run has started: a host must exist when the Doist is
    /// made from doers(), or the Doist would never run it. The reference stays valid as long as
    /// the World.
    Host& host(const std::string& name, HostOptions options = {}) {
        if (started_)
            throw Error{"sim::World: host '" + name + "' added while a run is in progress: add every host "
                        "before making the Doist from world.doers(), which lists the hosts there are"};
        if (name.empty())
            throw ValidationError{"sim::World: a host needs a name"};
        std::string address = options.address.empty() ? "10.0.0." + std::to_string(hosts_.size() + 1)
                                                       : std::move(options.address);
        if (find_host(name) != nullptr || find_host(address) != nullptr)
            throw ValidationError{"sim::World: host name or address already taken: " + name + " / " + address};
        auto state = std::make_unique<detail::HostState>();
        state->name = name;
        state->address = std::move(address);
        state->index = static_cast<std::uint32_t>(hosts_.size());
        state->crashable = options.crashable;
        detail::HostState& made = *state;
        hosts_.push_back(std::make_unique<Host>(std::move(state),
                                                std::make_unique<Network>(streams_, fabric_, made, *this),
                                                std::make_unique<DatagramNetwork>(datagrams_, made, *this)));
        fabric_.add_host(made);
        return *hosts_.back();
    }

    /// The host with this name or address, or nullptr.
    [[nodiscard]] Host* find_host(std::string_view name) const noexcept {
        for (const auto& host : hosts_)
            if (host->name() == name || host->address() == name)
                return host.get();
        return nullptr;
    }

    /// Every host's DoDoer, in the order the hosts were added: what the Doist runs.
    [[nodiscard]] std::vector<Doer*> doers() const {
        std::vector<Doer*> out;
        for (const auto& host : hosts_)
            out.push_back(&host->doer());
        return out;
    }

    /// The settings of the direction `from` -> `to` (made from the World's defaults on first
    /// use); changes apply to the segments sent after them. Throws ValidationError for an
    /// unknown host.
    LinkOptions& link(const std::string& from, const std::string& to) {
        return fabric_.link(require_host(from).index(), require_host(to).index()).options;
    }

    /// The seed the World was made with.
    [[nodiscard]] std::uint64_t seed() const noexcept { return fabric_.options().seed; }
    /// The settings it was made with.
    [[nodiscard]] const WorldOptions& options() const noexcept { return fabric_.options(); }
    /// The trace of the run (its hash is the run's fingerprint).
    [[nodiscard]] Trace& trace() noexcept { return fabric_.trace(); }
    /// The trace of the run, read-only.
    [[nodiscard]] const Trace& trace() const noexcept { return fabric_.trace(); }
    /// The faults injected so far, in order.
    [[nodiscard]] const std::vector<FaultEvent>& faults() const noexcept { return fabric_.fault_log().events(); }
    /// What the network carried.
    [[nodiscard]] const WorldStats& stats() const noexcept { return fabric_.stats(); }
    /// The current tyme (the attached Doist's), 0 before attach.
    [[nodiscard]] double now() const noexcept { return fabric_.now(); }

    /// Calls `fn` for each fault as it is injected (e.g. to print it).
    void on_fault(std::function<void(const FaultEvent&)> fn) { fabric_.fault_log().on_fault(std::move(fn)); }

    /// Runs `action` at `tyme` (before the pass at or after it): schedule faults by hand,
    /// `world.at(2.0, [&] { world.partition("a", "b"); })`.
    void at(double tyme, std::function<void()> action) {
        actions_.push_back(std::move(action));
        fabric_.calendar().push({std::max(tyme, now()), 0, static_cast<std::uint32_t>(actions_.size() - 1), 0, 0,
                                 detail::Room::world});
    }

    /// Ends the run (the Doist's request_stop) in the first pass where `condition` holds;
    /// checked after each poll, and after each pass (a condition a pass made true ends the run
    /// in the next pass, as without skipping). The Doist skips the passes in which nothing is
    /// due and no event comes, so a condition on the tyme alone is seen late: bound a run in
    /// tyme with the Doist's limit instead. stopped_by_condition() then says it ended the run.
    void stop_when(std::function<bool()> condition) { stop_when_ = std::move(condition); }

    /// Holds every segment from `from` to `to` until release() (the link goes silent, TCP
    /// retransmits: nothing is lost, everything is late). Logged as a fault. Holds count:
    /// a direction held by two faults (a partition and an isolation) flows again when both
    /// have released it.
    void hold(const std::string& from, const std::string& to) { set_held(from, to, true, "hold "); }
    /// Releases a hold of a direction: once none is left, what waited arrives after one
    /// latency, in order.
    void release(const std::string& from, const std::string& to) { set_held(from, to, false, "release "); }
    /// Holds both directions between `a` and `b`.
    void partition(const std::string& a, const std::string& b) {
        fabric_.log_fault("partition " + a + " <-> " + b);
        set_held(a, b, true, nullptr);
        set_held(b, a, true, nullptr);
    }
    /// Releases both directions between `a` and `b`.
    void heal(const std::string& a, const std::string& b) {
        fabric_.log_fault("heal " + a + " <-> " + b);
        set_held(a, b, false, nullptr);
        set_held(b, a, false, nullptr);
    }

    /// Cuts host `name` from every other (madsim's clog_node): both directions of each of its
    /// links held until rejoin(). Throws ValidationError for an unknown host.
    void isolate(const std::string& name) {
        const Host& isolated = require_host(name);
        fabric_.log_fault("isolate " + isolated.name());
        for (const auto& other : hosts_)
            if (other.get() != &isolated) {
                set_held(isolated.name(), other->name(), true, nullptr);
                set_held(other->name(), isolated.name(), true, nullptr);
            }
    }
    /// Ends an isolate(): releases the holds it made.
    void rejoin(const std::string& name) {
        const Host& isolated = require_host(name);
        fabric_.log_fault("rejoin " + isolated.name());
        for (const auto& other : hosts_)
            if (other.get() != &isolated) {
                set_held(isolated.name(), other->name(), false, nullptr);
                set_held(other->name(), isolated.name(), false, nullptr);
            }
    }

    /// Crashes `name` now (see Host). Throws ValidationError for an unknown host.
    void crash(const std::string& name) {
        Host& host = require_host(name);
        detail::HostState& state = host.state();
        if (!state.up)
            return;
        fabric_.log_fault("crash " + state.name);
        state.up = false;
        state.crash_pending = true;
        state.restart_pending = false;
        ++state.crashes;
        streams_.crash(state.index);
        datagrams_.crash(state.index);
        const std::string lost = state.disk.crash(fault_random_, fabric_.faults().torn_write);
        if (!lost.empty())
            fabric_.log_fault("disk of " + state.name + ": " + lost);
        if (state.on_crash)
            state.on_crash();
        host.doer().wake();
    }

    /// Restarts a crashed host: its doers are entered again in its next pass.
    void restart(const std::string& name) {
        Host& host = require_host(name);
        detail::HostState& state = host.state();
        if (state.up)
            return;
        fabric_.log_fault("restart " + state.name);
        state.up = true;
        state.restart_pending = true;
        streams_.restart(state.index);  // peers still sending to it learn the connection is gone
        if (state.on_restart)
            state.on_restart();
        host.doer().wake();
    }

    /// True once stop_when()'s condition ended a run (the Doist's ended_by() says
    /// RunEnd::stopped then).
    [[nodiscard]] bool stopped_by_condition() const noexcept { return stop_requested_; }

    /// True when the connection whose client end is `local_endpoint` ("10.0.0.2:40001") met a
    /// fault: a reset, a black hole, a crash, or segments held by a partition or hold.
    [[nodiscard]] bool met_fault(const std::string& local_endpoint) const { return streams_.met_fault(local_endpoint); }

    // --- Waiter --------------------------------------------------------------------------

    /// Dispatches what is due by the attached clock's tyme: segments, connects, accepts,
    /// readiness, scheduled faults and actions.
    void poll() override {
        if (fabric_.clock() == nullptr)
            throw Error{"sim::World: poll() before a Doist was made with DoistOptions{.waiter = &world}"};
        if (!started_)
            start();
        const double tyme = now();
        detail::Event event{};
        while (fabric_.calendar().next(tyme, event))
            dispatch(event);
        if (stop_when_ && request_stop_ && !stop_requested_ && stop_when_()) {
            stop_requested_ = true;
            request_stop_();
        }
    }

    /// Throws hio::Error: the simulation runs in virtual time only.
    void wait_until(std::chrono::steady_clock::time_point, const std::function<bool()>&) override {
        throw Error{"sim::World: a simulated network runs in virtual time only; make the Doist with real = false"};
    }

    void interrupt() noexcept override {}

    /// The tyme of the next event of the simulation (a packet, a datagram, a fault, an
    /// action): the Doist skips the passes before it in which no doer is due.
    [[nodiscard]] double next_event() const noexcept override {
        if (fabric_.clock() == nullptr || !started_)
            return -std::numeric_limits<double>::infinity();
        if (stop_when_ && !stop_requested_ && stop_when_())
            return -std::numeric_limits<double>::infinity();  // the next pass's poll ends the run
        return fabric_.calendar().next_due();
    }

    /// Takes the Doist's clock: reads tyme there, seeds its Random from the World's seed (so
    /// the doers' noise replays too: the World's seed replaces DoistOptions::seed), makes the
    /// World's Trace its Tracer and keeps its stop request for stop_when(). Throws
    /// ValidationError when the Doist was given a seed of its own that differs from the
    /// World's: one of the two would be silently ignored.
    void attach(const Attachment& doist) override {
        if (doist.seed && *doist.seed != seed())
            throw ValidationError{"sim::World: the Doist's seed (" + std::to_string(*doist.seed) +
                                  ") differs from the World's (" + std::to_string(seed()) +
                                  "); under a World the World's seed drives the doers' Random: "
                                  "leave DoistOptions::seed unset"};
        fabric_.clock(&doist.clock);
        request_stop_ = doist.request_stop;
        listed_ = doist.doers;
        doist.clock.random() = random_.fork("doers");
        doist.clock.tracer(&fabric_.trace());
    }

private:
    static const WorldOptions& checked(const WorldOptions& options) {
        options.link.validate();
        options.faults.validate();
        return options;
    }

    // A host the fault menu aims at must exist: a typo would silently aim at nothing.
    void require_aimed(const std::string& name) const {
        if (find_host(name) == nullptr)
            throw ValidationError{"sim::World: the fault menu aims at host '" + name + "', which the World does not have"};
    }

    Host& require_host(std::string_view name) const {
        Host* host = find_host(name);
        if (host == nullptr)
            throw ValidationError{"sim::World: no host named " + std::string{name}};
        return *host;
    }

    // The Doist must run exactly the hosts: a doer given to it directly runs on no host, so a
    // crash of the host whose network it uses would not close it; a host made after the Doist
    // took world.doers() would never run. Both fail silently otherwise.
    void check_doers() const {
        if (!listed_)
            return;
        const std::vector<Doer*> listed = listed_();
        for (Doer* doer : listed)
            if (std::none_of(hosts_.begin(), hosts_.end(), [&](const auto& host) { return &host->doer() == doer; }))
                throw Error{"sim::World: the Doist runs a doer that is on no host: give every doer to a host "
                            "(host.add()) and the Doist world.doers(), so that a crash closes a host's doers"};
        for (const auto& host : hosts_)
            if (std::find(listed.begin(), listed.end(), &host->doer()) == listed.end())
                throw Error{"sim::World: host '" + host->name() + "' is not run by the Doist: make the Doist from "
                            "world.doers() after adding every host"};
    }

    // The scheduled faults of the menu, drawn when the run starts, among the hosts there are.
    void start() {
        check_doers();
        for (const std::string& name : fabric_.faults().hosts)
            require_aimed(name);
        for (const auto& [a, b] : fabric_.faults().links) {
            require_aimed(a);
            require_aimed(b);
        }
        started_ = true;
        std::vector<std::string> names;
        std::vector<std::string> crashable;
        for (const auto& host : hosts_) {
            names.push_back(host->name());
            if (host->crashable())
                crashable.push_back(host->name());
        }
        for (const PlannedFault& fault : plan_faults(fabric_.faults(), fault_random_, names, crashable)) {
            const std::string a = fault.a;
            const std::string b = fault.b;
            switch (fault.kind) {
            case PlannedFault::Kind::partition:
                at(fault.from, [this, a, b] { partition(a, b); });
                at(fault.until, [this, a, b] { heal(a, b); });
                break;
            case PlannedFault::Kind::one_way:
                at(fault.from, [this, a, b] { hold(a, b); });
                at(fault.until, [this, a, b] { release(a, b); });
                break;
            case PlannedFault::Kind::crash:
                at(fault.from, [this, a] { crash(a); });
                at(fault.until, [this, a] { restart(a); });
                break;
            case PlannedFault::Kind::isolate:
                at(fault.from, [this, a] { isolate(a); });
                at(fault.until, [this, a] { rejoin(a); });
                break;
            }
        }
    }

    void set_held(const std::string& from, const std::string& to, bool held, const char* log) {
        const Host& a = require_host(from);
        const Host& b = require_host(to);
        detail::LinkState& link = fabric_.link(a.index(), b.index());
        if (!held && link.holds == 0)
            return;  // not held: nothing to release
        if (log != nullptr)
            fabric_.log_fault(std::string{log} + a.name() + " -> " + b.name());
        link.holds = held ? link.holds + 1 : link.holds - 1;
        link.held = link.holds != 0;
        if (!link.held)
            streams_.release(link);
    }

    void dispatch(const detail::Event& event) {
        switch (event.room) {
        case detail::Room::streams:
        case detail::Room::listeners: return streams_.dispatch(event);
        case detail::Room::datagrams: return datagrams_.dispatch(event);
        case detail::Room::world: {
            auto action = std::move(actions_[event.target]);
            actions_[event.target] = nullptr;
            if (action)
                action();
            return;
        }
        }
    }

    Random random_;
    detail::Fabric fabric_;
    Random fault_random_;
    detail::Streams streams_;
    detail::Datagrams datagrams_;
    std::vector<std::unique_ptr<Host>> hosts_;
    std::vector<std::function<void()>> actions_;
    std::function<bool()> stop_when_;
    std::function<void()> request_stop_;
    std::function<std::vector<Doer*>()> listed_;  // the Doist's doers
    bool started_ = false;
    bool stop_requested_ = false;
};

}  // namespace hio::sim
