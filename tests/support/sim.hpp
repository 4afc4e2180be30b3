// Helpers for tests over the simulated network: seed sweeps in Catch2 (HIO_SIM_SEED,
// HIO_SIM_RUNS) and an echo client that checks every byte it gets back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <hio/sim.hpp>
#include <hio/sim/catch2.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server_doer.hpp>

#include "catch.hpp"

namespace hio_test {

/// The tock of the simulation tests: dyadic, so sums of it are exact.
inline constexpr double tick = 1.0 / 1024;

/// True in the sanitized build, where sweeps run fewer seeds.
#ifdef HIO_TEST_SANITIZED
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif

/// Sweeps `runs` seeds from 1 inside a Catch2 test: the installed helper
/// (hio/sim/catch2.hpp, component catch2), which users' tests call the same way.
using hio::sim::catch2::sweep_seeds;

/// Sends `messages` messages of `size` random bytes (drawn from the Doist's seeded Random),
/// one at a time, and checks that every byte comes back in order. Finishes when all came
/// back (`ok()`), or when it gives up (`failed()`, with why()).
///
/// With `patience` > 0 it behaves like an application with timeouts: a connection that brings
/// nothing back for `patience` is dropped and a new one made (the message starts again), and
/// a client that gave up connecting tries again, at most `tries` connections in all. Between
/// messages it waits a random time in [0, `think`).
class EchoClientDoer : public hio::StreamClientDoer {
public:
    EchoClientDoer(hio::StreamClient& client, int messages, std::size_t size, double patience = 0.0, int tries = 4,
                   double think = 0.0)
        : StreamClientDoer{client}, messages_{messages}, size_{size}, patience_{patience}, tries_{tries}, think_{think} {}

    [[nodiscard]] bool ok() const noexcept { return done_ok_; }
    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] bool corrupted() const noexcept { return corrupted_; }
    [[nodiscard]] int echoed() const noexcept { return echoed_; }
    [[nodiscard]] double finished_at() const noexcept { return finished_at_; }
    /// The local endpoints of its connections and connect attempts, in order.
    [[nodiscard]] const std::vector<std::string>& endpoints() const noexcept { return endpoints_; }
    [[nodiscard]] std::string why() const { return why_; }

protected:
    void enter() override {
        StreamClientDoer::enter();
        sent_ = 0;
        echoed_ = 0;
        expected_.clear();
        got_.clear();
        connections_ = 1;
        progress_at_ = tyme();
        send_at_ = tyme();
    }

    bool recur(double tyme) override {
        const bool finished = StreamClientDoer::recur(tyme);
        if (!finished && waiting_) {
            double until = client().next_deadline();
            if (patience_ > 0.0)
                until = std::min(until, progress_at_ + patience_);
            if (expected_.empty() && send_at_ > tyme)
                until = std::min(until, send_at_);
            idle_until(until);
        }
        return finished;
    }

    bool talk(double tyme) override {
        hio::StreamClient& c = client();
        waiting_ = false;
        const bool stalled = patience_ > 0.0 && tyme - progress_at_ >= patience_;
        if (stalled || (patience_ > 0.0 && !c.active())) {
            if (connections_ == tries_) {
                const std::error_code error = c.last_error();
                return finish(tyme, false, "gave up after " + std::to_string(tries_) + " connections" +
                                               (error ? ": " + error.message() : std::string{}));
            }
            ++connections_;
            c.connect(tyme);  // a new connection: the message starts again there
            restart_message(tyme);
        }
        if (c.connection() != nullptr) {
            const std::string local = c.connection()->local_endpoint();  // also of attempts
            if (endpoints_.empty() || endpoints_.back() != local) {
                endpoints_.push_back(local);
                restart_message(tyme);  // a new connection (the client reconnected by itself)
            }
        }
        if (c.connected()) {
            const std::string arrived = c.receive();
            if (!arrived.empty())
                progress_at_ = tyme;
            got_ += arrived;
            if (got_.size() > expected_.size() || expected_.compare(0, got_.size(), got_) != 0) {
                corrupted_ = true;  // a byte came back that was not sent there
                return finish(tyme, false, "echo differs from what was sent");
            }
            if (got_.size() == expected_.size() && !expected_.empty()) {
                ++echoed_;
                got_.clear();
                expected_.clear();
                send_at_ = think_ > 0.0 ? tyme + random().uniform(0.0, think_) : tyme;
                progress_at_ = send_at_;  // thinking is not a stall
            }
            if (echoed_ == messages_)
                return finish(tyme, true, {});
            if (expected_.empty() && tyme >= send_at_) {
                expected_ = payload();
                sent_ = 0;
                progress_at_ = tyme;
            }
            if (sent_ < expected_.size())
                sent_ += c.send(std::string_view{expected_}.substr(sent_));
        } else if (!c.active()) {
            const std::error_code error = c.last_error();
            return finish(tyme, false, error ? error.message() : "closed by the server");
        }
        waiting_ = true;
        idle_between_events();
        return false;
    }

private:
    void restart_message(double tyme) {
        expected_.clear();
        got_.clear();
        progress_at_ = tyme;
        send_at_ = tyme;
    }

    std::string payload() {
        std::string text(size_, '\0');
        for (char& ch : text)
            ch = static_cast<char>('a' + random().below(26));
        return text;
    }

    bool finish(double tyme, bool ok, std::string why) {
        done_ok_ = ok;
        failed_ = !ok;
        why_ = std::move(why);
        finished_at_ = tyme;
        client().close();
        return true;
    }

    int messages_;
    std::size_t size_;
    double patience_;
    int tries_;
    double think_;
    int connections_ = 1;
    double progress_at_ = 0.0;
    double send_at_ = 0.0;
    bool waiting_ = false;
    std::size_t sent_ = 0;
    int echoed_ = 0;
    std::string expected_;
    std::string got_;
    std::vector<std::string> endpoints_;
    std::string why_;
    double finished_at_ = -1.0;
    bool done_ok_ = false;
    bool failed_ = false;
    bool corrupted_ = false;
};

/// A raw peer that sends scripted bytes at scripted tymes and records what comes back and
/// when the other side closed: for timeouts measured to the tyme.
class ScriptedPeer : public hio::StreamClientDoer {
public:
    /// `script`: (tyme, bytes) to send, in tyme order.
    ScriptedPeer(hio::StreamClient& client, std::vector<std::pair<double, std::string>> script)
        : StreamClientDoer{client}, script_{std::move(script)} {}

    /// Everything received.
    std::string received;
    /// Tyme of the first byte received; -1 before.
    double first_byte_at = -1.0;
    /// Tyme the peer's close (FIN or reset) was seen; -1 before.
    double closed_at = -1.0;

protected:
    bool recur(double tyme) override {
        const bool over = StreamClientDoer::recur(tyme);
        if (!over && next_ < script_.size())
            idle_until(std::min(client().next_deadline(), script_[next_].first));
        return over;
    }

    bool talk(double tyme) override {
        hio::StreamClient& c = client();
        if (c.connected())
            while (next_ < script_.size() && script_[next_].first <= tyme)
                c.send(script_[next_++].second);
        const std::string got = c.receive();
        if (!got.empty() && first_byte_at < 0.0)
            first_byte_at = tyme;
        received += got;
        if (c.peer_closed() || (!c.active() && c.last_error())) {
            closed_at = tyme;
            return true;
        }
        idle_between_events();
        return false;
    }

private:
    std::vector<std::pair<double, std::string>> script_;
    std::size_t next_ = 0;
};

/// The echo server on host "server" port 7 and `count` echo clients on host "client".
struct EchoWorld {
    explicit EchoWorld(hio::sim::WorldOptions options, int count = 1, int messages = 1, std::size_t size = 64,
                       hio::StreamClientOptions client_options = {}, double patience = 0.0)
        : world{options} {
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("client");
        server.emplace(server_host.network(), hio::StreamServerOptions{.host = "server", .port = 7});
        echo.emplace(*server);
        server_host.add({&*echo});
        client_options.host = "server";
        client_options.port = 7;
        clients.reserve(static_cast<std::size_t>(count));
        doers.reserve(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            clients.emplace_back(std::make_unique<hio::StreamClient>(client_host.network(), client_options));
            doers.emplace_back(std::make_unique<hio_test::EchoClientDoer>(*clients.back(), messages, size, patience));
            client_host.add({doers.back().get()});
        }
        world.stop_when([this] {
            for (const auto& doer : doers)
                if (!doer->done_state().has_value() || doer->done_state() == false)
                    if (!doer->ok() && !doer->failed())
                        return false;
            return true;
        });
    }

    double run(double limit = 30.0) {
        hio::Doist doist{{.tock = tick, .limit = limit, .waiter = &world}, world.doers()};
        doist.run();
        return doist.tyme();
    }

    hio::sim::World world;
    std::optional<hio::StreamServer> server;
    std::optional<hio::EchoServerDoer> echo;
    std::vector<std::unique_ptr<hio::StreamClient>> clients;
    std::vector<std::unique_ptr<hio_test::EchoClientDoer>> doers;
};


}  // namespace hio_test
