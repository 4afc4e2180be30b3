#pragma once
/// \file
/// Connection: a Transport with its receive and transmit ring buffers (hio: Remoter/Client).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <hio/error.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/transport.hpp>

namespace hio {

class Connection;

namespace detail {
/// One object per session type; its address names the type (Connection::session<T>()).
template <class T>
inline constexpr char session_type = 0;
}  // namespace detail

/// Told when a Connection has something to do: bytes arrived, room to send, closed.
/// A server marks the connection active and wakes its doer; a client wakes itself.
class ConnectionObserver {
public:
    /// `connection` has something to do: bytes arrived, room to send, closed, app output.
    virtual void on_activity(Connection& connection) noexcept = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    ConnectionObserver() = default;
    ConnectionObserver(const ConnectionObserver&) = default;
    ConnectionObserver& operator=(const ConnectionObserver&) = default;
    ///@}
    ~ConnectionObserver() = default;
};

/// What Connection::receive_line(), receive_until() and receive_frame() took: a whole frame
/// (its delimiter or length prefix removed), or why not. Tests true when whole.
struct Frame {
    /// How the receive went.
    enum class Status : std::uint8_t {
        complete,  ///< `data` holds a whole frame, taken out of rx
        partial,   ///< not all of it has arrived: nothing was taken; try again when more comes
        too_long,  ///< longer than the maximum, or than rx can ever hold: nothing was taken;
                   ///< answer the peer (an error line, a status) and close, or drop the bytes
    };
    Status status = Status::partial;  ///< how the receive went
    std::string data{};               ///< the frame, when complete

    /// True when a whole frame was taken.
    explicit operator bool() const noexcept { return status == Status::complete; }
};

/// State an application keeps per connection (a protocol's parser, a session): made with
/// Connection::emplace_session<T>(), it lives and dies with the connection.
class ConnectionSession {
public:
    virtual ~ConnectionSession() = default;

    /// True while the application holds bytes for this connection that tx had no room for:
    /// a server then keeps the connection open, and serves it again when tx has room.
    [[nodiscard]] virtual bool pending_output() const noexcept { return false; }
};

/// One byte stream and its two bounded buffers: what arrived (`rx_buffer()`, hio: rxbs) and
/// what waits to leave (`tx_buffer()`, hio: txbs).
///
/// Application doers only read rx and write tx; `service()` moves bytes between the buffers
/// and the transport, and only when the transport said it is ready. When rx is full the
/// socket is not read, so TCP's flow control slows the sender; when tx is full `send()`
/// accepts fewer bytes than offered. Trouble is state, not an exception: a reset or other
/// failure closes the connection and leaves the cause in `last_error()`; a peer's orderly
/// close sets `peer_closed()` while what it sent stays readable.
class Connection final : private TransportEvents {
public:
    /// A connection over `transport`, open (or connecting, when `connecting`), with buffers of
    /// `rx` and `tx`. `observer` (may be null) hears of activity; it must outlive this.
    Connection(std::unique_ptr<Transport> transport, RingBuffer rx, RingBuffer tx,
               ConnectionObserver* observer, bool connecting = false)
        : transport_{std::move(transport)}, rx_{std::move(rx)}, tx_{std::move(tx)}, observer_{observer},
          state_{connecting ? State::connecting : State::open} {
        if (!transport_)
            throw ValidationError{"Connection: transport must not be null"};
        transport_->watch(this);
        writable_ = !connecting;
        if (connecting) {
            transport_->arm_write();  // writable = the connect attempt ended
        } else {
            readable_ = true;  // bytes may already wait: try once
            remote_ = transport_->remote_endpoint();
        }
    }

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { close(); }

    /// Where the stream is in its life.
    enum class State : std::uint8_t {
        connecting,  ///< an outgoing connect has not finished
        open,        ///< bytes move (TLS: maybe still handshaking, see established())
        closed,      ///< closed by either side or by a failure (see last_error())
    };

    /// The state now.
    [[nodiscard]] State state() const noexcept { return state_; }
    /// True while the stream is open (hio: connected / cutoff false).
    [[nodiscard]] bool connected() const noexcept { return state_ == State::open; }
    /// True once closed, for whatever reason.
    [[nodiscard]] bool closed() const noexcept { return state_ == State::closed; }
    /// True once the stream carries application bytes (after the TLS handshake, if any).
    [[nodiscard]] bool established() const noexcept { return state_ == State::open && transport_->established(); }
    /// Makes the application's state for this connection, a `T` (derived from
    /// ConnectionSession) built from `args`, replacing (and destroying) any earlier one.
    template <class T, class... Args>
    T& emplace_session(Args&&... args) {
        static_assert(std::is_base_of_v<ConnectionSession, T>, "a session derives from hio::ConnectionSession");
        auto made = std::make_unique<T>(std::forward<Args>(args)...);
        T& session = *made;
        session_ = std::move(made);
        session_type_ = &detail::session_type<T>;
        return session;
    }
    /// The session, if it is a `T` (typed storage: no RTTI, one comparison); else null.
    template <class T>
    [[nodiscard]] T* session() const noexcept {
        return session_type_ == &detail::session_type<T> ? static_cast<T*>(session_.get()) : nullptr;
    }
    /// The session whatever its type, or null.
    [[nodiscard]] ConnectionSession* any_session() const noexcept { return session_.get(); }
    /// Destroys the session, if any (a protocol that keeps no state between requests).
    void reset_session() noexcept {
        session_.reset();
        session_type_ = nullptr;
    }

    /// The protocol agreed with ALPN over TLS (tls::Config::alpn), or empty.
    [[nodiscard]] std::string alpn() const { return transport_->alpn(); }
    /// True once the peer ended its side (EOF); what it sent before stays in rx.
    [[nodiscard]] bool peer_closed() const noexcept { return peer_closed_; }
    /// Why the connection closed, if by failure (reset, refused, timeout); empty otherwise.
    [[nodiscard]] std::error_code last_error() const noexcept { return last_error_; }

    /// Received bytes not yet read (hio: rxbs).
    [[nodiscard]] RingBuffer& rx_buffer() noexcept { return rx_; }
    /// Received bytes not yet read, read-only.
    [[nodiscard]] const RingBuffer& rx_buffer() const noexcept { return rx_; }
    /// Bytes waiting to be sent (hio: txbs).
    [[nodiscard]] RingBuffer& tx_buffer() noexcept { return tx_; }
    /// Bytes waiting to be sent, read-only.
    [[nodiscard]] const RingBuffer& tx_buffer() const noexcept { return tx_; }

    /// Queues as much of `data` as fits in tx; returns how many bytes were accepted (fewer
    /// than offered: back pressure). Nothing is accepted once closed or shut down, nor while a
    /// file is being sent (the bytes would overtake it).
    std::size_t send(std::string_view data) {
        if (state_ == State::closed || send_shutdown_ || file_)
            return 0;
        const std::size_t accepted = tx_.write(data);
        if (accepted != 0 && state_ == State::open && !wants_flush_) {
            wants_flush_ = true;
            notify();  // another doer may have queued this: its owner must flush it soon
        }
        return accepted;
    }

    /// True when send_file() can be used: a plain TCP connection (Transport::can_send_files).
    [[nodiscard]] bool can_send_files() const noexcept {
        return state_ != State::closed && transport_->can_send_files();
    }

    /// Sends `length` bytes of the open file `fd` from `offset` after what tx holds now, by
    /// the kernel (sendfile(2)): no copy through the application, so a large file costs no
    /// memory and little CPU. `keep` is held until the file is sent or the connection closes
    /// (it may own the descriptor). send() accepts nothing until then. False, and nothing
    /// queued, when the transport cannot send files, a file is pending, or the connection is
    /// closed or shut down.
    bool send_file(int fd, std::uint64_t offset, std::uint64_t length, std::shared_ptr<const void> keep = {}) {
        if (state_ == State::closed || send_shutdown_ || file_ || !transport_->can_send_files())
            return false;
        if (length == 0)
            return true;
        file_ = QueuedFile{fd, offset, length, std::move(keep)};
        if (state_ == State::open && !wants_flush_) {
            wants_flush_ = true;
            notify();
        }
        return true;
    }

    /// True while a file from send_file() is not yet sent whole.
    [[nodiscard]] bool file_pending() const noexcept { return file_.has_value(); }
    /// True while bytes wait to go: in tx, or in a pending file.
    [[nodiscard]] bool sending() const noexcept { return !tx_.empty() || file_.has_value(); }

    /// Tells the observer the application has work for this connection (a streamed response
    /// got data from another doer): a server serves it again in its next pass.
    void request_service() noexcept {
        if (state_ != State::closed)
            notify();
    }

    /// Reads and removes up to `max` received bytes (all by default).
    std::string receive(std::size_t max = static_cast<std::size_t>(-1)) { return rx_.read_string(max); }

    /// Takes the received bytes before the first `delimiter`, and the delimiter, when it came
    /// within `max` bytes of frame: complete. Leaves rx alone while the frame is still coming
    /// (partial), or when it is longer than `max` or fills rx without its delimiter (too_long:
    /// it could never arrive whole; the peer is answered and the connection closed, or the
    /// bytes dropped with rx_buffer().consume()). Throws ValidationError for an empty delimiter.
    Frame receive_until(std::string_view delimiter, std::size_t max) {
        if (delimiter.empty())
            throw ValidationError{"Connection::receive_until: the delimiter must not be empty"};
        const std::size_t at = rx_.find(delimiter);
        Frame frame;
        if (at != RingBuffer::npos && at <= max) {
            frame.status = Frame::Status::complete;
            frame.data = rx_.read_string(at);
            rx_.consume(delimiter.size());
        } else if (at != RingBuffer::npos || rx_.size() >= max + delimiter.size() || rx_.full()) {
            frame.status = Frame::Status::too_long;
        }
        return frame;
    }

    /// A line: the received bytes before the next "\n" (a "\r" before it dropped too), when the
    /// line is at most `max` bytes; see receive_until() for partial and too_long.
    Frame receive_line(std::size_t max) {
        const std::size_t at = rx_.find("\n");
        const bool cr = at != RingBuffer::npos && at != 0 && rx_.at(at - 1) == std::byte{'\r'};
        const std::size_t length = at == RingBuffer::npos ? RingBuffer::npos : at - (cr ? 1 : 0);
        Frame frame;
        if (at != RingBuffer::npos && length <= max) {
            frame.status = Frame::Status::complete;
            frame.data = rx_.read_string(length);
            rx_.consume(at + 1 - length);
        } else if (at != RingBuffer::npos || rx_.size() > max + 1 || rx_.full()) {
            frame.status = Frame::Status::too_long;
        }
        return frame;
    }

    /// A length-prefixed message: a `prefix_bytes` (1, 2, 4 or 8) big-endian length, then that
    /// many bytes, when the length is at most `max`: both are taken. too_long as soon as the
    /// prefix says more than `max`, or more than rx can ever hold. Throws ValidationError for
    /// another prefix size.
    Frame receive_frame(std::size_t prefix_bytes, std::size_t max) {
        if (prefix_bytes != 1 && prefix_bytes != 2 && prefix_bytes != 4 && prefix_bytes != 8)
            throw ValidationError{"Connection::receive_frame: the length prefix must be 1, 2, 4 or 8 bytes, got " +
                                  std::to_string(prefix_bytes)};
        Frame frame;
        if (rx_.size() < prefix_bytes)
            return frame;
        std::uint64_t length = 0;
        for (std::size_t k = 0; k < prefix_bytes; ++k)
            length = (length << 8) | static_cast<std::uint64_t>(rx_.at(k));
        if (length > max || length > rx_.capacity() - prefix_bytes) {
            frame.status = Frame::Status::too_long;
            return frame;
        }
        if (rx_.size() - prefix_bytes < length)
            return frame;
        rx_.consume(prefix_bytes);
        frame.status = Frame::Status::complete;
        frame.data = rx_.read_string(static_cast<std::size_t>(length));
        return frame;
    }

    /// Ends our sending side once tx has drained (TCP half close); receiving goes on.
    void shutdown_send() noexcept {
        send_shutdown_ = true;
        wants_flush_ = true;
    }

    /// Closes at once; unsent bytes are dropped. Idempotent; noexcept.
    void close() noexcept {
        if (state_ == State::closed)
            return;
        // Best effort, without waiting: TLS sends close_notify, so the peer sees an orderly
        // close rather than a truncation.
        if (state_ == State::open && transport_->established())
            static_cast<void>(transport_->shutdown_send());
        state_ = State::closed;
        transport_->watch(nullptr);
        transport_->close();
        tx_.clear();
        file_.reset();  // lets go of its descriptor
    }

    /// Moves bytes: receives what is ready and fits in rx, sends what tx holds. Call it when
    /// the observer was told of activity, and after filling tx. Returns true when it moved
    /// anything or changed state.
    bool service() {
        if (state_ == State::connecting)
            return finish_connecting();
        if (state_ != State::open)
            return false;
        const bool received = receive_ready();
        const bool sent = flush();
        return received || sent;
    }

    /// Sends what tx holds, as far as the transport takes it, without receiving (a server
    /// that answers each connection as soon as it has served it). Returns true when it moved
    /// anything.
    bool send_ready() {
        if (state_ != State::open || !wants_flush_ || !writable_)
            return false;
        return flush();
    }

    /// True when service() has work it could do now (bytes to send, readable and room).
    [[nodiscard]] bool wants_service() const noexcept {
        return state_ == State::connecting ? false
                                           : state_ == State::open &&
                                                 ((readable_ && !rx_.full() && !peer_closed_) ||
                                                  (wants_flush_ && writable_));
    }

    /// "host:port" of the peer (hio: ha), kept after the close.
    [[nodiscard]] const std::string& remote_endpoint() const noexcept { return remote_; }
    /// "host:port" of this end.
    [[nodiscard]] std::string local_endpoint() const { return transport_->local_endpoint(); }

    /// Bytes received since the connection opened.
    [[nodiscard]] std::uint64_t bytes_received() const noexcept { return received_; }
    /// Bytes sent since the connection opened.
    [[nodiscard]] std::uint64_t bytes_sent() const noexcept { return sent_; }

    /// The tyme by which the application wants this connection served even if nothing
    /// happens on it (a request timeout, a heartbeat); +infinity: none. StreamServer puts it in
    /// ready() in the first pass at or after that tyme, so an application needs no scan.
    [[nodiscard]] double serve_at() const noexcept { return serve_at_; }
    /// Sets (or, with +infinity, clears) the tyme to be served by.
    void serve_at(double tyme) noexcept { serve_at_ = tyme; }

    /// True once the application trusts this peer: it completed a request (HTTP sets it after
    /// each answer, the echo doer after its first echo). A server that is full closes its
    /// longest-idle connection that is not proven to make room for a newcomer.
    [[nodiscard]] bool proven() const noexcept { return proven_; }
    /// Marks the peer proven (or not).
    void proven(bool value) noexcept { proven_ = value; }

    /// The observer given at construction (a server's entry for the connection, a client),
    /// or null: whoever hears of its activity.
    [[nodiscard]] ConnectionObserver* observer() const noexcept { return observer_; }

private:
    void on_readable() noexcept override {
        readable_ = true;
        notify();
    }

    void on_writable() noexcept override {
        writable_ = true;
        notify();
    }

    void notify() noexcept {
        if (observer_ != nullptr)
            observer_->on_activity(*this);
    }

    bool finish_connecting() {
        if (!writable_)
            return false;
        if (const std::error_code error = transport_->finish_connect()) {
            fail(error);
            return true;
        }
        state_ = State::open;
        readable_ = true;
        remote_ = transport_->remote_endpoint();
        flush();
        return true;
    }

    // Reads while the transport has bytes and rx has room. A short read means the socket is
    // drained (its readiness is edge-triggered), so the next read waits for the reactor.
    bool receive_ready() {
        bool moved = false;
        while (readable_ && !peer_closed_ && state_ == State::open) {
            const std::span<std::byte> room = rx_.write_span();
            if (room.empty())
                return moved;  // rx full: leave the bytes in the socket (back pressure)
            const IoResult result = transport_->receive(room);
            rx_.commit(result.bytes);
            received_ += result.bytes;
            moved = moved || result.bytes != 0;
            if (result.error) {
                fail(result.error);
                return true;
            }
            if (result.eof) {
                peer_closed_ = true;
                return true;
            }
            if (result.would_block || (result.bytes < room.size() && !result.more)) {
                readable_ = false;
                transport_->arm_read();
            }
        }
        return moved;
    }

    bool flush() {
        bool moved = false;
        while (!tx_.empty() && state_ == State::open) {
            const std::span<const std::byte> data = tx_.read_span();
            const IoResult result = transport_->send(data);
            tx_.consume(result.bytes);
            sent_ += result.bytes;
            moved = moved || result.bytes != 0;
            if (result.error) {
                // The peer may have answered before it reset (an early 413): keep what it sent.
                readable_ = true;
                receive_ready();
                if (state_ == State::open)
                    fail(result.error);
                return true;
            }
            // Only would-block means "wait for writable": a short write is normal for TLS (a
            // record at a time), and for TCP the next send then reports would-block.
            if (result.would_block) {
                writable_ = false;
                transport_->arm_write();
                return moved;
            }
        }
        while (file_ && tx_.empty() && state_ == State::open) {  // the file follows what tx held
            constexpr std::uint64_t most = 1 << 30;  // sendfile moves at most ~2 GiB a call
            const IoResult result =
                transport_->send_file(file_->fd, file_->offset, static_cast<std::size_t>(std::min(file_->left, most)));
            file_->offset += result.bytes;
            file_->left -= result.bytes;
            sent_ += result.bytes;
            moved = moved || result.bytes != 0;
            if (result.error) {
                fail(result.error);
                return true;
            }
            if (file_->left == 0) {
                file_.reset();
                notify();  // what waited for the file may go now
                break;
            }
            if (result.would_block) {
                writable_ = false;
                transport_->arm_write();
                return moved;
            }
            if (result.bytes == 0) {  // the file ended early (it shrank): the peer must see a cut body
                fail(std::make_error_code(std::errc::io_error));
                return true;
            }
        }
        wants_flush_ = false;
        if (tx_.empty() && send_shutdown_ && state_ == State::open && !shut_) {
            shut_ = true;
            if (const std::error_code error = transport_->shutdown_send())
                fail(error);
        }
        return moved;
    }

    void fail(const std::error_code& error) noexcept {
        last_error_ = error;
        close();
    }

    struct QueuedFile {
        int fd;
        std::uint64_t offset;
        std::uint64_t left;
        std::shared_ptr<const void> keep;
    };

    std::unique_ptr<Transport> transport_;
    RingBuffer rx_;
    RingBuffer tx_;
    std::optional<QueuedFile> file_;  // after tx: a file the kernel sends (send_file)
    ConnectionObserver* observer_;
    std::error_code last_error_;
    std::string remote_;
    std::uint64_t received_ = 0;
    std::uint64_t sent_ = 0;
    double serve_at_ = std::numeric_limits<double>::infinity();
    State state_;
    bool readable_ = false;
    bool writable_ = true;
    bool wants_flush_ = false;
    bool peer_closed_ = false;
    bool send_shutdown_ = false;
    bool shut_ = false;
    bool proven_ = false;
    const void* session_type_ = nullptr;
    std::unique_ptr<ConnectionSession> session_;  // last: destroyed first
};

}  // namespace hio
