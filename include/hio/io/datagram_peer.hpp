#pragma once
/// \file
/// DatagramPeer: a datagram socket with a bounded queue of datagrams each way, and the doers
/// that serve one (DatagramPeerDoer, EchoDatagramDoer). udp::Peer and uxd::Peer are
/// DatagramPeers bound to an IP address or a Unix path.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>
#include <hio/io/detail/datagram_ring.hpp>
#include <hio/io/transport.hpp>

namespace hio {

/// Settings of a DatagramPeer's queues and socket.
struct DatagramPeerOptions {
    /// Received datagrams held until the program takes them. When full the peer stops reading
    /// and the kernel's buffer fills, then drops (as UDP does): back pressure, never growth.
    std::size_t receive_queue = 1024;
    /// Datagrams queued to send; when full, send_to() refuses (no_buffer_space).
    std::size_t send_queue = 1024;
    /// The socket's settings (broadcast, buffer sizes, batch, max_datagram).
    DatagramSocketOptions socket{};

    /// Throws ValidationError naming the first bad field.
    void validate(const char* component) const {
        if (receive_queue < 1 || send_queue < 1)
            throw ValidationError{std::string{component} + ": receive_queue and send_queue must be >= 1"};
        if (socket.max_datagram < 1 || socket.max_datagram > 65535)
            throw ValidationError{std::string{component} + ": max_datagram must be in [1, 65535], got " +
                                  std::to_string(socket.max_datagram)};
        if (socket.batch < 1 || socket.batch > 1024)
            throw ValidationError{std::string{component} + ": batch must be in [1, 1024], got " +
                                  std::to_string(socket.batch)};
    }
};

/// What a DatagramPeer has moved.
struct DatagramStats {
    std::uint64_t received = 0;     ///< datagrams taken from the socket
    std::uint64_t truncated = 0;    ///< of them, cut at max_datagram
    std::uint64_t sent = 0;         ///< datagrams the socket took
    std::uint64_t send_errors = 0;  ///< datagrams the socket refused (dropped; see last_error)
    std::uint64_t refused = 0;      ///< send_to calls refused (queue full, too large, closed)
    std::uint64_t receive_calls = 0;  ///< system calls made to receive (batches)
    std::uint64_t send_calls = 0;     ///< system calls made to send (batches)
};

/// A datagram socket with a bounded queue each way (hio: udp.Peer, uxd.Peer, whose sends and
/// receives go straight to the socket; here a doer fills and drains queues, and service()
/// moves them, several datagrams per system call).
///
/// Readiness comes from the network's Waiter: when the socket becomes readable or writable
/// the owner doer is woken. Nothing throws once open: a datagram the kernel refuses is dropped,
/// counted, and its error kept in last_error().
class DatagramPeer : private TransportEvents {
public:
    DatagramPeer(const DatagramPeer&) = delete;
    DatagramPeer& operator=(const DatagramPeer&) = delete;
    virtual ~DatagramPeer() { close_socket(); }

    /// Opens the socket at the peer's address (hio: reopen: an open one is closed first).
    /// Throws hio::SystemError with the kernel's code when it cannot bind.
    virtual void open() = 0;

    /// True while the socket is open (hio: opened).
    [[nodiscard]] bool opened() const noexcept { return socket_ != nullptr; }
    /// The address bound (the real port when 0 was asked for; hio: ha); empty when closed.
    [[nodiscard]] SocketAddress local_address() const { return socket_ ? socket_->local_address() : SocketAddress{}; }
    /// Its text: "127.0.0.1:5000", "[::1]:5000" or a path.
    [[nodiscard]] std::string local_endpoint() const { return local_address().text(); }

    /// Queues `payload` for `to`. Returns an empty code when queued; otherwise nothing is
    /// queued and the code says why: no_buffer_space (the send queue is full: back pressure),
    /// message_size (larger than max_datagram), destination_address_required (no address),
    /// not_connected (the peer is not open).
    std::error_code send_to(std::string_view payload, const SocketAddress& to) {
        std::error_code refusal;
        if (!socket_)
            refusal = std::make_error_code(std::errc::not_connected);
        else if (to.empty())
            refusal = std::make_error_code(std::errc::destination_address_required);
        else if (payload.size() > options_.socket.max_datagram)
            refusal = std::make_error_code(std::errc::message_size);
        else if (tx_.full())
            refusal = std::make_error_code(std::errc::no_buffer_space);
        if (refusal) {
            ++stats_.refused;
            return refusal;
        }
        Datagram& slot = tx_.back_slot();
        slot.payload.assign(payload.data(), payload.size());
        slot.peer = to;
        slot.size = payload.size();
        tx_.commit(1);
        if (!in_service_)
            owner_.wake();  // queued from elsewhere: the owner sends it in its next run
        return {};
    }

    /// The oldest received datagram, or nullptr; stays queued until pop().
    [[nodiscard]] const Datagram* peek() noexcept { return rx_.empty() ? nullptr : &rx_.front(); }
    /// Drops the oldest received datagram (after peek()).
    void pop() noexcept {
        rx_.pop(1);
    }
    /// Takes the oldest received datagram (hio: receive), or nothing.
    std::optional<Datagram> receive() {
        if (rx_.empty())
            return std::nullopt;
        Datagram taken = std::move(rx_.front());
        rx_.pop(1);
        return taken;
    }

    /// Datagrams received and not yet taken.
    [[nodiscard]] std::size_t received_count() const noexcept { return rx_.size(); }
    /// Datagrams queued and not yet sent.
    [[nodiscard]] std::size_t queued_count() const noexcept { return tx_.size(); }
    /// True when the send queue is full (send_to would refuse).
    [[nodiscard]] bool send_queue_full() const noexcept { return tx_.full(); }
    /// True when the receive queue is full (the socket is not read).
    [[nodiscard]] bool receive_queue_full() const noexcept { return rx_.full(); }

    /// Moves datagrams: from the socket into the receive queue while both allow, then from the
    /// send queue to the socket. Returns how many moved.
    std::size_t service() { return service_receives() + service_sends(); }

    /// Reads the socket into the receive queue until it would block or the queue is full.
    std::size_t service_receives() {
        std::size_t moved = 0;
        in_service_ = true;
        while (socket_ && readable_ && !rx_.full()) {
            const std::span<Datagram> run = rx_.free_run();
            const DatagramResult result = socket_->receive(run);
            ++stats_.receive_calls;
            for (std::size_t i = 0; i < result.count; ++i)
                if (run[i].truncated())
                    ++stats_.truncated;
            rx_.commit(result.count);
            stats_.received += result.count;
            moved += result.count;
            if (result.error)
                last_error_ = result.error;
            if (result.would_block || result.error) {
                readable_ = false;
                socket_->arm_read();
                break;
            }
        }
        in_service_ = false;
        return moved;
    }

    /// Sends from the send queue until it is empty or the socket would block. A datagram the
    /// socket refuses is dropped (counted in send_errors, its error in last_error()).
    std::size_t service_sends() {
        std::size_t moved = 0;
        while (socket_ && writable_ && !tx_.empty()) {
            const DatagramResult result = socket_->send(tx_.data_run());
            ++stats_.send_calls;
            tx_.pop(result.count);
            stats_.sent += result.count;
            moved += result.count;
            if (result.error) {
                tx_.pop(1);  // a datagram goes whole or not at all: this one does not
                ++stats_.send_errors;
                last_error_ = result.error;
            } else if (result.would_block) {
                writable_ = false;
                socket_->arm_write();
                break;
            }
        }
        return moved;
    }

    /// True when service() would move something now (the socket is readable and the receive
    /// queue has room, or datagrams wait and the socket is writable): the owner should run again
    /// rather than idle.
    [[nodiscard]] bool busy() const noexcept {
        return socket_ && ((readable_ && !rx_.full()) || (writable_ && !tx_.empty()));
    }

    /// The last failure the socket reported (a refused send, a receive error); empty if none.
    [[nodiscard]] std::error_code last_error() const noexcept { return last_error_; }
    /// What it has moved.
    [[nodiscard]] const DatagramStats& stats() const noexcept { return stats_; }
    /// The settings it was made with.
    [[nodiscard]] const DatagramPeerOptions& options() const noexcept { return options_; }
    /// The network it opens its socket on.
    [[nodiscard]] DatagramNetwork& network() const noexcept { return network_; }

    /// The doer woken when the socket becomes ready or a datagram is queued (nullptr: none).
    /// Held as a Waker: destroying the doer detaches it.
    void owner(Doer* doer) { owner_ = doer != nullptr ? doer->waker() : Waker{}; }
    /// Sets the doer woken on readiness by its Waker (empty: none).
    void owner(Waker waker) noexcept { owner_ = std::move(waker); }
    /// The doer woken on readiness, or nullptr (also once that doer was destroyed).
    [[nodiscard]] Doer* owner() const noexcept { return owner_.doer(); }

    /// Closes the socket (hio: close); queued datagrams are dropped. Idempotent.
    virtual void close() noexcept { close_socket(); }

protected:
    /// A peer on `network` with `options`, not yet open. Throws ValidationError for bad options;
    /// `component` names the peer type in messages.
    DatagramPeer(DatagramNetwork& network, DatagramPeerOptions options, const char* component)
        : network_{network}, options_{checked(std::move(options), component)}, rx_{options_.receive_queue},
          tx_{options_.send_queue} {}

    /// Opens the socket on `address` (closing an open one first). Throws as
    /// DatagramNetwork::bind.
    void open_at(const SocketAddress& address) {
        close_socket();
        socket_ = network_.bind(address, options_.socket);
        socket_->watch(this);
        readable_ = writable_ = true;  // unknown: try, and arm when it would block
        last_error_.clear();
    }

    /// Joins or leaves a multicast group (see DatagramSocket::membership).
    std::error_code membership(const SocketAddress& group, const SocketAddress& interface_address, bool join) {
        if (!socket_)
            return std::make_error_code(std::errc::not_connected);
        return socket_->membership(group, interface_address, join);
    }

    /// Closes the socket and empties the queues.
    void close_socket() noexcept {
        if (socket_) {
            socket_->watch(nullptr);
            socket_->close();
            socket_.reset();
        }
        rx_.clear();
        tx_.clear();
        readable_ = writable_ = false;
    }

private:
    static DatagramPeerOptions checked(DatagramPeerOptions options, const char* component) {
        options.validate(component);
        return options;
    }

    void on_readable() noexcept override {
        readable_ = true;
        owner_.wake();
    }
    void on_writable() noexcept override {
        writable_ = true;
        owner_.wake();
    }

    DatagramNetwork& network_;
    DatagramPeerOptions options_;
    std::unique_ptr<DatagramSocket> socket_;
    detail::DatagramRing rx_;
    detail::DatagramRing tx_;
    bool readable_ = false;
    bool writable_ = false;
    bool in_service_ = false;
    Waker owner_;  // the doer that runs it
    std::error_code last_error_{};
    DatagramStats stats_{};
};

/// Serves a DatagramPeer (hio: udp.PeerDoer, uxd.PeerDoer): opens it at enter (if it is not
/// open), moves datagrams each run, calls serve() in between, and closes it at exit. It idles
/// between readiness events, so an idle peer costs no CPU. Override serve() to handle the
/// received datagrams (peek/pop or receive) and queue replies (send_to).
class DatagramPeerDoer : public Doer {
public:
    /// Serves `peer` (not owned; must outlive the doer).
    explicit DatagramPeerDoer(DatagramPeer& peer, double tock = 0.0) : Doer{tock}, peer_{peer} {}

    /// The peer it serves.
    [[nodiscard]] DatagramPeer& peer() const noexcept { return peer_; }

protected:
    void enter() override {
        detail::require_waiter(tymist(), peer_.network().waiter(), "DatagramPeerDoer");
        peer_.owner(this);
        if (!peer_.opened())
            peer_.open();
    }

    bool recur(double tyme) override {
        peer_.service_receives();
        const bool finished = serve(tyme);
        peer_.service();
        if (!finished && !peer_.busy() && peer_.received_count() == 0)
            idle();  // until the socket is ready or a datagram is queued
        return finished;
    }

    void exit() noexcept override {
        peer_.owner(Waker{});
        peer_.close();
    }

    /// Handles what was received; true finishes the doer. The default takes nothing.
    virtual bool serve(double tyme) {
        static_cast<void>(tyme);
        return false;
    }

private:
    DatagramPeer& peer_;
};

/// Sends every datagram back to where it came from (hio: the echo peers of its tests). When
/// the send queue is full it stops taking datagrams, so the receive queue and then the kernel
/// fill: a flood slows to what the replies can carry, without growth.
class EchoDatagramDoer : public DatagramPeerDoer {
public:
    using DatagramPeerDoer::DatagramPeerDoer;

    /// Datagrams echoed so far.
    [[nodiscard]] std::uint64_t echoed() const noexcept { return echoed_; }

protected:
    bool serve(double tyme) override {
        static_cast<void>(tyme);
        DatagramPeer& p = peer();
        while (const Datagram* datagram = p.peek()) {
            if (p.send_queue_full())
                break;
            static_cast<void>(p.send_to(datagram->payload, datagram->peer));
            p.pop();
            ++echoed_;
            if (p.received_count() == 0)
                p.service_receives();  // more may have come: keep the batch going
        }
        return false;
    }

private:
    std::uint64_t echoed_ = 0;
};

}  // namespace hio
