#pragma once
/// \file
/// hio::sim::Replay: the peers of a captured server run (a WireLog), played back through the
/// simulation into the same server doers, in virtual time, at the captured tymes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/transport.hpp>
#include <hio/io/wire_log.hpp>
#include <hio/sim/world.hpp>

namespace hio::sim {

/// Plays the peers of a server capture back: for each connection the capture accepted, it
/// connects to the server at the captured tyme and sends what the server received, when the
/// server received it, ends its side where the server saw an EOF; and it keeps what the
/// server sends. compare() then tells whether the server sent what it sent in the capture.
///
/// ```
/// hio::WireLog capture = hio::WireLog::load("incident.wirelog");  // from a WireLogNetwork
/// hio::sim::World world{{.link = hio::sim::Replay::link()}};
/// hio::sim::Host& server_host = world.host("server");
/// hio::sim::Host& peers = world.host("peers");
/// // ... the same server doers as in production, on server_host.network(), port 8080
/// hio::sim::Replay replay{capture, peers.network(), "server", 8080, tock};
/// peers.add({&replay});
/// hio::Doist doist{{.tock = tock, .tyme = -tock, .waiter = &world, .epoch = capture.epoch()}, world.doers()};
/// doist.run();                      // ends when every connection was played
/// REQUIRE(replay.compare().empty());
/// ```
///
/// The World's links must have latency 0 (Replay::link()), and the Doist the capture's tock,
/// its epoch (Tymist::wall_time, so an HTTP Date matches) and a start one tock early
/// (DoistOptions::tyme = -tock): each step is taken one pass before its captured tyme, so the
/// server sees it in the pass it saw it in, a connection accepted at tyme 0 included.
/// Reads the capture taken on the server side (accept records); connections the server
/// opened itself (connect records) are left out.
class Replay final : public Doer {
public:
    /// Link settings for a replay: no latency, no noise, and windows wide enough that a
    /// captured read arrives whole in the pass it was captured in.
    static LinkOptions link() {
        return LinkOptions{.latency = 0.0, .send_window = 64U << 20, .receive_window = 64U << 20};
    }

    /// Tyme a connection is given after its last step to send what it sent in the capture,
    /// unless it closes first.
    static constexpr double settle = 1.0;

    /// Plays `capture`'s accepted connections over `network` (a host's sim::Network) to
    /// `host`:`port`, for a Doist with period `tock`. Nothing is owned; `capture` is copied.
    Replay(const WireLog& capture, hio::Network& network, std::string host, std::uint16_t port, double tock)
        : network_{network}, host_{std::move(host)}, port_{port}, tock_{tock} {
        std::map<std::uint64_t, std::size_t> index;
        for (const WireRecord& record : capture.records()) {
            if (record.kind == WireRecord::Kind::accept) {
                index[record.connection] = peers_.size();
                peers_.push_back(Peer{});
                peers_.back().id = record.connection;
                peers_.back().last = record.tyme;
                peers_.back().steps.push_back(record);
                continue;
            }
            const auto found = index.find(record.connection);
            if (found == index.end())
                continue;
            Peer& peer = peers_[found->second];
            peer.last = record.tyme;
            if (record.kind == WireRecord::Kind::tx)
                peer.captured += record.data;
            else if (record.kind == WireRecord::Kind::rx || record.kind == WireRecord::Kind::eof ||
                     record.kind == WireRecord::Kind::close || record.kind == WireRecord::Kind::error)
                peer.steps.push_back(record);
        }
    }

    /// Connections replayed.
    [[nodiscard]] std::size_t connections() const noexcept { return peers_.size(); }
    /// What the server sent on connection `index` (in capture order) during the capture.
    [[nodiscard]] const std::string& captured(std::size_t index) const { return peers_.at(index).captured; }
    /// What it sent during the replay.
    [[nodiscard]] const std::string& replayed(std::size_t index) const { return peers_.at(index).received; }

    /// Empty when the server sent, on every connection, exactly what it sent in the capture;
    /// else where the first difference is (connection, byte offset, the bytes around it).
    [[nodiscard]] std::string compare() const {
        for (std::size_t i = 0; i < peers_.size(); ++i) {
            const std::string& want = peers_[i].captured;
            const std::string& got = peers_[i].received;
            if (want == got)
                continue;
            std::size_t at = 0;
            while (at < want.size() && at < got.size() && want[at] == got[at])
                ++at;
            const auto around = [at](const std::string& text) {
                const std::size_t from = at > 20 ? at - 20 : 0;
                return "\"" + escape(text.substr(from, 60)) + "\"";
            };
            return "connection " + std::to_string(peers_[i].id) + " differs at byte " + std::to_string(at) +
                   " (captured " + std::to_string(want.size()) + " bytes, replayed " + std::to_string(got.size()) +
                   "): captured " + around(want) + ", replayed " + around(got);
        }
        return {};
    }

protected:
    bool recur(double tyme) override {
        bool all_done = true;
        for (Peer& peer : peers_) {
            play(peer, tyme);
            all_done = all_done && peer.done;
        }
        return all_done;
    }

    void exit() noexcept override {
        for (Peer& peer : peers_)
            if (peer.transport)
                peer.transport->close();
    }

private:
    struct Peer {
        std::uint64_t id = 0;
        std::vector<WireRecord> steps;  // accept first, then rx/eof/close/error as the server saw them
        std::size_t next = 0;
        std::unique_ptr<Transport> transport;
        std::string pending;  // bytes of the current rx step not yet taken by the network
        std::string captured;
        std::string received;
        double last = 0.0;      // the tyme of the connection's last captured record
        double played_at = -1.0;
        bool finished = false;  // the server's EOF or reset was read
        bool done = false;
    };

    static std::string escape(const std::string& text) {
        std::string out;
        for (const char c : text) {
            if (c == '\r')
                out += "\\r";
            else if (c == '\n')
                out += "\\n";
            else if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126)
                out += '.';
            else
                out += c;
        }
        return out;
    }

    // Takes each step one pass before the tyme the server saw it (the network delivers in
    // the next poll), and reads what the server sends.
    void play(Peer& peer, double tyme) {
        if (peer.done)
            return;
        drain(peer);
        while (peer.next < peer.steps.size() && peer.steps[peer.next].tyme - tock_ <= tyme + tock_ / 2) {
            const WireRecord& step = peer.steps[peer.next];
            if (step.kind == WireRecord::Kind::accept) {
                std::error_code error;
                peer.transport = network_.connect(host_, port_, error);
                if (!peer.transport)
                    throw Error{"sim::Replay: cannot connect to " + host_ + ":" + std::to_string(port_) + ": " +
                                error.message()};
            } else if (peer.transport == nullptr) {
                break;
            } else if (step.kind == WireRecord::Kind::rx) {
                if (peer.pending.empty())
                    peer.pending = step.data;
                const IoResult sent = peer.transport->send(std::as_bytes(std::span{peer.pending}));
                peer.pending.erase(0, sent.bytes);
                if (!peer.pending.empty())
                    return;  // the window is full: the rest next pass
            } else if (step.kind == WireRecord::Kind::eof) {
                peer.transport->shutdown_send();
            } else {
                // The server closed (close) or lost (error) the connection here: the peer
                // waits for what the server still sends, then the server's close.
                ++peer.next;
                continue;
            }
            ++peer.next;
        }
        // Played, and the server closed or had time to do what it did after the last step.
        if (peer.next == peer.steps.size()) {
            if (peer.played_at < 0.0)
                peer.played_at = tyme;
            if (peer.finished || tyme >= std::max(peer.last, peer.played_at) + settle)
                peer.done = true;
        }
    }

    void drain(Peer& peer) {
        if (!peer.transport || peer.finished)
            return;
        std::byte buffer[16384];
        for (;;) {
            const IoResult got = peer.transport->receive(buffer);
            peer.received.append(reinterpret_cast<const char*>(buffer), got.bytes);
            if (got.eof || got.error) {
                peer.finished = true;
                return;
            }
            if (got.would_block || got.bytes == 0)
                return;
        }
    }

    hio::Network& network_;
    std::string host_;
    std::uint16_t port_;
    double tock_;
    std::vector<Peer> peers_;
};

}  // namespace hio::sim
