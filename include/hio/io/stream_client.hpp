#pragma once
/// \file
/// StreamClient: a Connection that connects and reconnects over any Network (real TCP, TLS,
/// the simulation), and StreamClientDoer, which runs one (hio: core.tcp.clienting Client,
/// ClientDoer).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/transport.hpp>
#include <hio/random.hpp>

namespace hio {

/// Settings of a StreamClient: where to connect and the reconnect policy. Every interval is
/// tyme, so a client behaves the same in virtual time.
///
/// A link that must stay up between two servers: `{.timeout = 0, .attempt_timeout = 1.0,
/// .reconnect = true, .backoff = 2.0, .max_interval = 10.0, .jitter = 0.5}` retries forever, gives
/// each attempt a second (a partition or a black hole answers nothing at all), waits twice as
/// long after each failed attempt up to 10 s, and spreads the waits so that clients do not retry
/// in step. The defaults try for 2 s, every 0.125 s, and give up (timed_out()).
struct StreamClientOptions {
    /// Server host name or address ("127.0.0.1", "::1", "localhost").
    std::string host = "127.0.0.1";
    /// Server port; must be set.
    std::uint16_t port = 0;
    /// Tyme from the start of an attempt to the start of the next when it fails (refused,
    /// unreachable, abandoned at attempt_timeout), and from the loss of an established
    /// connection to the first attempt again (with reconnect).
    double reconnect_interval = 0.125;
    /// Tyme allowed to get connected and established, from connect() or from the loss of an
    /// established connection (with reconnect); past it the client gives up (timed_out()).
    /// 0: never give up. It also bounds the TLS handshake of a connection that was made.
    double timeout = 2.0;
    /// Connect again after an established connection is lost (not after our own close).
    bool reconnect = false;
    /// Tyme one attempt may take before it is abandoned and the next one starts: a connect
    /// into a partition or a black hole hears nothing at all. 0: none (the timeout ends it).
    double attempt_timeout = 0.0;
    /// Each wait between failed attempts is the one before times `backoff` (>= 1; 2: doubling),
    /// up to max_interval; it starts again from reconnect_interval after a connect() and after
    /// an established connection is lost.
    double backoff = 1.0;
    /// The longest wait between two attempts (>= reconnect_interval).
    double max_interval = 30.0;
    /// The part of each wait drawn at random, 0 to 1: the wait is uniform in [wait × (1 -
    /// jitter), wait], drawn from the random stream of the doer that runs the client
    /// (Doer::random(): a simulated run replays), so that clients that lost the same server
    /// do not come back in step.
    double jitter = 0.0;
    /// Capacity of the rx and tx buffers.
    std::size_t buffer_size = RingBuffer::default_capacity;
};

/// A client connection with retries, over any Network (hio: Client).
///
/// `connect(tyme)` starts; `service(tyme)` drives it: it notices a finished connect attempt,
/// retries a failed one by the reconnect policy of StreamClientOptions (interval, back-off,
/// jitter, per-attempt and overall timeouts), and moves bytes once connected. Trouble is state:
/// `connected()`, `timed_out()`, `last_error()` (refused, reset, unknown host...). Each
/// connection that becomes established counts in `generation()`: a talker that sees it change
/// knows it is on a new connection, and resends what was in flight on the old one.
/// StreamClientDoer runs it.
class StreamClient final : private ConnectionObserver {
public:
    /// A client on `network` (not owned; must outlive it). Throws ValidationError for a
    /// port of 0 or a bad interval.
    StreamClient(hio::Network& network, StreamClientOptions options)
        : network_{network}, options_{checked(std::move(options))} {}

    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;
    ~StreamClient() = default;

    /// Starts connecting at `tyme` (forgets an earlier connection).
    void connect(double tyme) {
        close();
        started_ = tyme;
        timed_out_ = false;
        last_error_.clear();
        attempts_ = 0;
        interval_ = options_.reconnect_interval;
        want_ = true;
        attempt(tyme);
    }

    /// Moves the client along at `tyme`: finish or retry connecting, move bytes.
    void service(double tyme) {
        if (!want_)
            return;
        bool abandoned = false;  // an attempt that took attempt_timeout
        if (connection_) {
            connection_->service();
            if (connection_->connected()) {
                if (!ever_connected_)
                    connected_at_ = tyme;
                ever_connected_ = true;
                if (!counted_ && connection_->established()) {
                    counted_ = true;
                    ++generation_;  // a new connection: the talker may resend what was in flight
                }
                // Connected but never established (a TLS handshake the server stalls): give
                // up after the same timeout as connecting.
                if (!connection_->established() && options_.timeout > 0.0 &&
                    tyme - connected_at_ >= options_.timeout) {
                    connection_->close();
                    connection_.reset();
                    last_error_ = std::make_error_code(std::errc::timed_out);
                    timed_out_ = true;
                    want_ = false;
                    return;
                }
                // The server closed its side and everything it sent has been read: the
                // connection is over (lost, for the reconnect rule).
                const bool over = connection_->peer_closed() && connection_->rx_buffer().empty() &&
                                  connection_->tx_buffer().empty();
                if (!over)
                    return;
                peer_closed_ = true;
                connection_->close();
            }
            if (!connection_->closed()) {
                // Still connecting. An attempt nobody answers (a SYN lost to a black hole or a
                // partition) gives no event at all: the timeouts must end it.
                if (options_.timeout > 0.0 && tyme - started_ >= options_.timeout) {
                    connection_->close();
                    connection_.reset();
                    if (!last_error_)  // an earlier attempt's failure says more (refused, no such host)
                        last_error_ = std::make_error_code(std::errc::timed_out);
                    timed_out_ = true;
                    want_ = false;
                    return;
                }
                if (!(options_.attempt_timeout > 0.0 && tyme - attempt_started_ >= options_.attempt_timeout))
                    return;
                connection_->close();  // this attempt is abandoned; the next one starts on time
                abandoned = true;
            }
            last_error_ = abandoned ? std::make_error_code(std::errc::timed_out) : connection_->last_error();
            const bool was_connected = ever_connected_;
            if (was_connected && !options_.reconnect) {
                want_ = false;  // lost: stay down
                // What arrived before the failure stays readable (an answer, then a reset).
                if (connection_->rx_buffer().empty())
                    connection_.reset();
                return;
            }
            connection_.reset();
            if (was_connected) {
                started_ = tyme;  // a fresh timeout for reconnecting
                ever_connected_ = false;
                interval_ = options_.reconnect_interval;
                retry_at_ = tyme + wait();
            }
            // A refused attempt keeps its slot: attempts start their interval apart, however
            // long each refusal took to arrive.
        }
        if (options_.timeout > 0.0 && tyme - started_ >= options_.timeout) {
            timed_out_ = true;
            want_ = false;
            if (!last_error_)
                last_error_ = std::make_error_code(std::errc::timed_out);
            return;
        }
        if (!connection_ && tyme >= retry_at_)
            attempt(tyme);
    }

    /// The tyme by which service() must run again if no socket becomes ready: the connect or
    /// handshake timeout, or the next retry; -infinity when the connection has work it can
    /// do now (it reported readiness while its doer ran), +infinity when it waits only for
    /// the network.
    [[nodiscard]] double next_deadline() const noexcept {
        constexpr double none = std::numeric_limits<double>::infinity();
        if (!want_)
            return none;
        if (connection_ && connection_->wants_service())
            return -none;
        const double timeout = options_.timeout > 0.0 ? options_.timeout : none;
        if (!connection_)
            return std::min(retry_at_, started_ + timeout);
        if (connection_->connected())
            return connection_->established() ? none : connected_at_ + timeout;
        if (connection_->closed())
            return -none;  // service() decides
        const double attempt = options_.attempt_timeout > 0.0 ? attempt_started_ + options_.attempt_timeout : none;
        return std::min(started_ + timeout, attempt);
    }

    /// Closes the connection and stops trying. Idempotent.
    void close() noexcept {
        want_ = false;
        ever_connected_ = false;
        if (connection_) {
            connection_->close();
            connection_.reset();
        }
    }

    /// Ends our sending side once tx drains (half close).
    void shutdown_send() noexcept {
        if (connection_)
            connection_->shutdown_send();
    }

    /// True while connected (hio: connected).
    [[nodiscard]] bool connected() const noexcept { return connection_ && connection_->connected(); }
    /// True when the timeout ended the attempts.
    [[nodiscard]] bool timed_out() const noexcept { return timed_out_; }
    /// True while connecting or connected (not given up, not closed).
    [[nodiscard]] bool active() const noexcept { return want_; }
    /// The last failure: refused, reset, timed out, unknown host; empty if none.
    [[nodiscard]] std::error_code last_error() const noexcept {
        return connection_ && connection_->last_error() ? connection_->last_error() : last_error_;
    }
    /// Connect attempts made since the last connect() (reconnects included).
    [[nodiscard]] std::uint64_t attempts() const noexcept { return attempts_; }
    /// Connections established since the client was made: 1 for the first, 2 once it
    /// reconnected, ... A talker that remembers it knows when it is on a new connection (and
    /// resends what was in flight on the one that was lost).
    [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

    /// The random stream the jitter of the waits is drawn from (StreamClientDoer gives its
    /// own, Doer::random()); nullptr: the waits are not jittered. Not owned; it must outlive
    /// its use.
    void random(Random* source) noexcept { random_ = source; }

    /// The current connection, or nullptr between attempts. A connection lost without
    /// reconnect stays here, closed, while bytes it received are unread.
    [[nodiscard]] Connection* connection() noexcept { return connection_.get(); }

    /// Queues `data` to send; returns the bytes accepted (0 when not connected).
    std::size_t send(std::string_view data) { return connected() ? connection_->send(data) : 0; }

    /// Reads what was received (also after the peer closed).
    std::string receive(std::size_t max = static_cast<std::size_t>(-1)) {
        return connection_ ? connection_->receive(max) : std::string{};
    }

    /// True once the server closed its side (stays true after the connection is dropped,
    /// until the next connect attempt).
    [[nodiscard]] bool peer_closed() const noexcept {
        return connection_ ? connection_->peer_closed() : peer_closed_;
    }

    /// The doer that runs this client, woken on socket readiness (StreamClientDoer sets itself).
    /// Held as a Waker: destroying the doer detaches it.
    void owner(Doer* doer) { doer_ = doer != nullptr ? doer->waker() : Waker{}; }
    /// Sets the doer woken on readiness by its Waker (empty: none).
    void owner(Waker waker) noexcept { doer_ = std::move(waker); }
    /// The doer woken on readiness, or nullptr (also once that doer was destroyed).
    [[nodiscard]] Doer* owner() const noexcept { return doer_.doer(); }

    /// The network this client connects over.
    [[nodiscard]] hio::Network& network() const noexcept { return network_; }

    /// Marks the owner as running now (its own sends need no wake). StreamClientDoer sets it
    /// around its recur.
    void servicing(bool value) noexcept { servicing_ = value; }

    /// The options it was made with.
    [[nodiscard]] const StreamClientOptions& options() const noexcept { return options_; }

private:
    static StreamClientOptions checked(StreamClientOptions options) {
        if (options.port == 0)
            throw ValidationError{"StreamClient: port must be set (1-65535), got 0"};
        if (options.buffer_size == 0)
            throw ValidationError{"StreamClient: buffer_size must be >= 1, got 0"};
        hio::detail::require_non_negative("StreamClient", "reconnect_interval", options.reconnect_interval);
        hio::detail::require_non_negative("StreamClient", "timeout", options.timeout);
        hio::detail::require_non_negative("StreamClient", "attempt_timeout", options.attempt_timeout);
        hio::detail::require_non_negative("StreamClient", "max_interval", options.max_interval);
        if (!(options.backoff >= 1.0) || std::isinf(options.backoff))
            throw ValidationError{"StreamClient: backoff must be finite and >= 1, got " +
                                  hio::detail::format_number(options.backoff)};
        if (!(options.jitter >= 0.0 && options.jitter <= 1.0))
            throw ValidationError{"StreamClient: jitter must be from 0 to 1, got " +
                                  hio::detail::format_number(options.jitter)};
        if (options.max_interval < options.reconnect_interval)
            throw ValidationError{"StreamClient: max_interval (" + hio::detail::format_number(options.max_interval) +
                                  ") must be >= reconnect_interval (" +
                                  hio::detail::format_number(options.reconnect_interval) + ")"};
        return options;
    }

    // The wait before the next attempt: the current interval, less a jittered part; the
    // interval then grows by the back-off.
    double wait() {
        double gap = interval_;
        if (options_.jitter > 0.0 && random_ != nullptr)
            gap *= 1.0 - options_.jitter * random_->unit();
        interval_ = std::min(interval_ * options_.backoff, options_.max_interval);
        return gap;
    }

    void attempt(double tyme) {
        ++attempts_;
        peer_closed_ = false;
        attempt_started_ = tyme;
        counted_ = false;
        retry_at_ = tyme + wait();
        std::error_code error;
        std::unique_ptr<Transport> transport = network_.connect(options_.host, options_.port, error);
        if (!transport) {
            last_error_ = error;  // unknown host, no file descriptors: retried like a refusal
            return;
        }
        connection_ = std::make_unique<Connection>(std::move(transport), RingBuffer{options_.buffer_size},
                                                   RingBuffer{options_.buffer_size},
                                                   static_cast<ConnectionObserver*>(this), true);
    }

    void on_activity(Connection&) noexcept override {
        if (!servicing_)  // a running doer services again anyway
            doer_.wake();
    }

    hio::Network& network_;
    StreamClientOptions options_;
    std::unique_ptr<Connection> connection_;
    std::error_code last_error_;
    Waker doer_;  // the doer that runs it
    Random* random_ = nullptr;
    std::uint64_t attempts_ = 0;
    std::uint64_t generation_ = 0;
    double started_ = 0.0;
    double attempt_started_ = 0.0;
    double retry_at_ = 0.0;
    double interval_ = 0.0;  // the wait before the next attempt, before jitter
    double connected_at_ = 0.0;
    bool want_ = false;
    bool ever_connected_ = false;
    bool timed_out_ = false;
    bool peer_closed_ = false;
    bool counted_ = false;  // this connection's establishment is in generation_
    bool servicing_ = false;
};

/// A doer that runs a StreamClient: connects on enter, services every recur, closes on exit
/// (hio: ClientDoer). Subclasses override `talk()` to use the connection; a talk() that only
/// reacts to the connection calls idle_between_events(), and the doer then sleeps between
/// events instead of running every pass.
class StreamClientDoer : public Doer {
public:
    /// Runs `client` (not owned; must outlive the doer) with period `tock` (0: every pass).
    explicit StreamClientDoer(StreamClient& client, double tock = 0.0) : Doer{tock}, client_{client} {}

    /// The client it runs.
    [[nodiscard]] StreamClient& client() noexcept { return client_; }

protected:
    void enter() override {
        hio::detail::require_waiter(tymist(), client_.network(), "StreamClientDoer");
        client_.owner(this);
        client_.random(&random());  // the waits' jitter: this doer's stream, so a simulation replays
        client_.connect(tyme());
    }

    bool recur(double tyme) override {
        struct Servicing {
            StreamClient& client;
            ~Servicing() { client.servicing(false); }
        } servicing{client_};
        client_.servicing(true);
        client_.service(tyme);
        const bool finished = talk(tyme);
        client_.service(tyme);  // send what talk() queued in this same pass
        if (idle_wanted_ && !finished)
            idle_until(client_.next_deadline());  // after the last service(): its deadline is current
        idle_wanted_ = false;
        return finished;
    }

    /// From talk(): nothing to do until the connection has activity or one of the client's
    /// deadlines (connect or handshake timeout, a retry) comes; the doer then idles
    /// (Doer::idle_until) instead of running every pass. A talk() that reacts only to what
    /// the server sends calls it each time it returns false; one that polls other state must
    /// not.
    void idle_between_events() noexcept { idle_wanted_ = true; }

    void exit() noexcept override {
        client_.close();
        client_.owner(Waker{});
        client_.random(nullptr);
    }

    /// Called every recur after servicing; return true to finish the doer. The default
    /// finishes when the client gave up (timed out, or lost without reconnect).
    virtual bool talk(double tyme) {
        static_cast<void>(tyme);
        return !client_.active();
    }

private:
    StreamClient& client_;
    bool idle_wanted_ = false;
};

}  // namespace hio
