#pragma once
/// \file
/// TCP transports and listeners on Asio sockets. Internal: use hio::asio::Network.
///
/// The shapes follow what each platform does natively (docs/asio.md): a read is one
/// `async_read_some` into a small buffer of the transport's own (512 bytes, so an idle
/// connection pins no rx ring), drained into the connection's rx ring by the next receive(),
/// which reads the rest straight from the socket when that buffer came back full. Not
/// `async_wait(wait_read)`: Asio's epoll reactor re-arms its edge-triggered registration with an
/// epoll_ctl for every such wait (a third system call per message), while a read that found the
/// socket drained lets the next one queue without any (docs/benchmarks.md#the-asio-backend). On
/// Windows the read is one overlapped WSARecv into that buffer. A send is a
/// non-blocking write, and what the socket cannot take at once goes out as one completion-shaped
/// `async_write` from a staging copy (never `wait_write`, which Windows serves from a select()
/// thread); accepts and connects are `async_accept` and `async_connect` (AcceptEx, ConnectEx).
/// Every handler holds the socket's shared state, so a transport closed or destroyed with
/// operations pending is safe: they complete with operation_aborted and find it closed.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/connect.hpp>
#include <asio/error.hpp>
#include <asio/execution/context.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/query.hpp>
#include <asio/socket_base.hpp>
#include <asio/write.hpp>

#include <hio/asio/detail/windows_error.hpp>
#include <hio/error.hpp>
#include <hio/io/transport.hpp>

namespace hio::asio::detail {

/// "host:port" of an endpoint, IPv6 in brackets (as hio::SocketAddress::text writes it).
inline std::string endpoint_text(const ::asio::ip::tcp::endpoint& endpoint) {
    const ::asio::ip::address address = endpoint.address();
    std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

/// `error` with the operating system's codes in std::system_category, as the rest of hio-cpp
/// reports them: Asio's standalone build has a system category of its own ("asio.system"),
/// whose codes do not compare equal to std::errc values (connection_refused, ...).
inline std::error_code normalized(const std::error_code& error) noexcept {
#if defined(_WIN32)
    // Winsock's and Windows' codes, with their own messages, equal to the std::errc conditions.
    if (error && error.category() == ::asio::error::get_system_category())
        return {error.value(), windows_category()};
#else
    if (error && error.category() == ::asio::error::get_system_category())
        return {error.value(), std::system_category()};
#endif
    return error;
}

/// Would-block, EOF or failure, from an Asio error.
inline void classify(const std::error_code& error, IoResult& result) noexcept {
    if (error == ::asio::error::would_block || error == ::asio::error::try_again || error == ::asio::error::interrupted)
        result.would_block = true;
    else if (error == ::asio::error::eof)
        result.eof = true;
    else
        result.error = normalized(error);
}

/// Tells `what` (on_readable or on_writable) to the events of `shared` from the io_context
/// soon, not from inside the caller, with one post at most pending (`posted`). `State` has
/// `closed` and `events`; the post holds the state, so a transport closed meanwhile is safe.
template <class State, class Executor>
void tell_soon(const std::shared_ptr<State>& shared, const Executor& executor, bool State::*posted,
               void (TransportEvents::*what)() noexcept) {
    State& state = *shared;
    if (state.*posted)
        return;
    state.*posted = true;
    ::asio::post(executor, [shared, posted, what] {
        State& s = *shared;
        s.*posted = false;
        if (!s.closed && s.events != nullptr)
            (s.events->*what)();
    });
}

/// A TCP connection on an Asio socket, as a Transport: made connected (by a listener) or
/// connecting (resolving a name, then trying each address).
class AsioTransport final : public Transport {
public:
    /// Takes `socket`, a connected one.
    explicit AsioTransport(::asio::ip::tcp::socket socket) : state_{std::make_shared<State>(std::move(socket))} {
        state_->connected = true;
        prepare(*state_);
    }

    /// A transport that connects to `host`:`port` (a numeric address or a name to resolve). The
    /// attempt's end comes as writable (see finish_connect()).
    AsioTransport(::asio::io_context& io, const std::string& host, std::uint16_t port)
        : state_{std::make_shared<State>(::asio::ip::tcp::socket{io})} {
        std::error_code parse_error;
        const ::asio::ip::address address = ::asio::ip::make_address(host, parse_error);
        if (!parse_error) {
            const ::asio::ip::tcp::endpoint endpoint{address, port};
            state_->socket.async_connect(endpoint, [state = state_](std::error_code error) { connected(state, error); });
            return;
        }
        state_->resolver.emplace(io);
        state_->resolver->async_resolve(
            host, std::to_string(port), ::asio::ip::tcp::resolver::numeric_service,
            [state = state_](std::error_code error, ::asio::ip::tcp::resolver::results_type results) {
                state->resolver.reset();
                if (state->closed)
                    return;
                if (!error && results.empty())
                    error = std::make_error_code(std::errc::address_not_available);
                if (error) {
                    connected(state, error);
                    return;
                }
                ::asio::async_connect(state->socket, results,
                                      [state](std::error_code failure, const ::asio::ip::tcp::endpoint&) {
                                          connected(state, failure);
                                      });
            });
    }

    AsioTransport(const AsioTransport&) = delete;
    AsioTransport& operator=(const AsioTransport&) = delete;
    ~AsioTransport() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        IoResult result;
        State& state = *state_;
        if (into.empty())
            return result;
        if (!state.connected || state.closed) {
            result.would_block = true;
            return result;
        }
        if (state.early_begin != state.early_end) {
            // What the last asynchronous read brought first, in order.
            const std::size_t taken = std::min<std::size_t>(state.early_end - state.early_begin, into.size());
            std::memcpy(into.data(), state.early.data() + state.early_begin, taken);
            state.early_begin = static_cast<std::uint16_t>(state.early_begin + taken);
            result.bytes = taken;
            if (state.early_begin != state.early_end) {
                result.more = true;  // `into` is full and more is waiting here
                return result;
            }
            state.early_begin = state.early_end = 0;
            // A short read found the socket drained: report a short receive, so that the
            // connection arms the next read (which Asio queues without a system call). A full
            // one may have left more in the socket: read it now.
            if (std::exchange(state.early_full, false) && taken < into.size()) {
                std::error_code error;
                const std::size_t got = state.socket.read_some(::asio::buffer(into.data() + taken, into.size() - taken), error);
                result.bytes += got;
                if (error && got == 0 && error != ::asio::error::would_block && error != ::asio::error::try_again &&
                    error != ::asio::error::interrupted) {
                    classify(error, state.read_end);  // told by the next receive
                    result.more = true;
                }
            }
            return result;
        }
        if (state.read_end.eof || state.read_end.error) {
            result.eof = state.read_end.eof;
            result.error = state.read_end.error;
            return result;
        }
        if (state.reading) {
            // The pending read may already hold bytes whose handler has not run: reading
            // past them would reorder the stream. Its completion tells on_readable.
            result.would_block = true;
            return result;
        }
        std::error_code error;
        const std::size_t got = state.socket.read_some(::asio::buffer(into.data(), into.size()), error);
        result.bytes = got;
        if (error && got == 0)
            classify(error, result);
        return result;
    }

    IoResult send(std::span<const std::byte> from) override {
        IoResult result;
        State& state = *state_;
        if (from.empty())
            return result;
        if (state.write_error)
            return write_failed(state);
        if (!state.connected || state.closed || state.writing) {
            result.would_block = true;  // on_writable comes when the staged bytes are gone
            return result;
        }
        std::error_code error;
        std::size_t sent = state.socket.write_some(::asio::buffer(from.data(), from.size()), error);
        if (error && error != ::asio::error::would_block && error != ::asio::error::try_again) {
            state.write_error = normalized(error);
            return write_failed(state);
        }
        if (sent < from.size()) {
            // The socket is full: stage the rest (up to a bound) and let Asio send it as it
            // drains; the connection sees it taken, and waits for on_writable for more.
            const std::size_t staged = std::min(from.size() - sent, staging_limit);
            state.staging.assign(from.begin() + static_cast<std::ptrdiff_t>(sent),
                                 from.begin() + static_cast<std::ptrdiff_t>(sent + staged));
            state.writing = true;
            ::asio::async_write(state.socket, ::asio::buffer(state.staging),
                                [state = state_](std::error_code failure, std::size_t) { written(*state, failure); });
            sent += staged;
        }
        result.bytes = sent;
        return result;
    }

    std::error_code shutdown_send() noexcept override {
        State& state = *state_;
        if (state.writing) {
            state.shutdown_pending = true;  // after the staged bytes
            return {};
        }
        std::error_code error;
        if (state.connected && !state.closed)
            state.socket.shutdown(::asio::ip::tcp::socket::shutdown_send, error);
        return error == ::asio::error::not_connected ? std::error_code{} : normalized(error);
    }

    void close() noexcept override {
        State& state = *state_;
        if (state.closed)
            return;
        state.closed = true;
        state.events = nullptr;
        std::error_code ignored;
        if (state.resolver)
            state.resolver->cancel();
        state.socket.close(ignored);  // pending operations end with operation_aborted
    }

    void watch(TransportEvents* events) noexcept override { state_->events = state_->closed ? nullptr : events; }

    void arm_read() override {
        State& state = *state_;
        if (state.closed)
            return;
        if (!state.connected) {
            state.read_wanted = true;  // armed once connected
            return;
        }
        start_read(state_);
    }

    void arm_write() override {
        State& state = *state_;
        if (state.closed)
            return;
        if (!state.connected || state.writing || state.read_cancel == ReadCancel::pending) {
            // Told when the connect, the staged write or the cancelled read ends (the last
            // from the read's own handler: on Windows a cancel may complete after a post).
            state.write_wanted = true;
            return;
        }
        // Nothing in the way: a send would make progress now.
        tell_soon(state_, state.socket.get_executor(), &State::write_posted, &TransportEvents::on_writable);
    }

    std::error_code finish_connect() noexcept override {
        const State& state = *state_;
        if (state.connect_error)
            return state.connect_error;
        if (state.connected)
            return {};
        return std::make_error_code(state.closed ? std::errc::not_connected : std::errc::operation_in_progress);
    }

    [[nodiscard]] std::string remote_endpoint() const override {
        std::error_code error;
        const auto endpoint = state_->socket.remote_endpoint(error);
        return error ? std::string{"?"} : endpoint_text(endpoint);
    }
    [[nodiscard]] std::string local_endpoint() const override {
        std::error_code error;
        const auto endpoint = state_->socket.local_endpoint(error);
        return error ? std::string{"?"} : endpoint_text(endpoint);
    }

    bool limit_send_buffer(std::size_t bytes) noexcept override {
        std::error_code error;
        state_->socket.set_option(
            ::asio::socket_base::send_buffer_size{static_cast<int>(std::min<std::size_t>(bytes, 1 << 30))}, error);
        return !error;
    }

    /// The bytes an asynchronous read takes at most (the rest is read by receive()).
    static constexpr std::size_t early_capacity = 512;

    /// The most bytes staged for an asynchronous write when the socket is full.
    static constexpr std::size_t staging_limit = 64 * 1024;

private:
    enum class ReadCancel : std::uint8_t { none, pending, done };

    // Everything the pending handlers touch: it outlives the transport until they ran.
    struct State {
        explicit State(::asio::ip::tcp::socket s)
            : socket{std::move(s)},
              io{&static_cast<::asio::io_context&>(::asio::query(socket.get_executor(), ::asio::execution::context))} {}
        ::asio::ip::tcp::socket socket;
        ::asio::io_context* io;  // posts go to its own executor (no type-erased executor call)
        std::optional<::asio::ip::tcp::resolver> resolver;
        std::vector<std::byte> staging;
        TransportEvents* events = nullptr;
        std::error_code connect_error;
        std::error_code write_error;
        bool connected = false;
        bool closed = false;
        std::array<std::byte, early_capacity> early{};  // what the asynchronous read brought
        std::uint16_t early_begin = 0;
        std::uint16_t early_end = 0;
        bool early_full = false;  // that read filled `early`: the socket may hold more
        IoResult read_end;        // the EOF or error an asynchronous read met, not yet told
        bool read_armed = false;  // on_readable is coming (a read or a post is pending)
        bool reading = false;     // an async_read_some into `early` is pending
        ReadCancel read_cancel = ReadCancel::none;  // by a failed send (see write_failed())
        bool read_wanted = false;
        bool write_wanted = false;
        bool write_posted = false;
        bool writing = false;
        bool shutdown_pending = false;
    };

    // A send failed (now, or the staged write did). The peer may have answered before it
    // reset (an early 413), and those bytes may sit in the pending read, unseen: end that read
    // first (cancelled, or with the bytes) and tell the error on a send after its handler ran
    // (arm_write waits for it, and the handler tells on_writable). Once: a read the connection
    // arms after that does not hold the error back again.
    static IoResult write_failed(State& state) {
        IoResult result;
        if (state.reading && state.read_cancel != ReadCancel::done) {
            if (state.read_cancel == ReadCancel::none) {
                state.read_cancel = ReadCancel::pending;
                std::error_code ignored;
                state.socket.cancel(ignored);
            }
            result.would_block = true;
            return result;
        }
        result.error = state.write_error;
        return result;
    }

    static void prepare(State& state) {
        std::error_code ignored;
        state.socket.non_blocking(true, ignored);
        state.socket.set_option(::asio::ip::tcp::no_delay{true}, ignored);  // small echoes leave at once
    }

    // One asynchronous read at a time, into `early`; its end is told as on_readable (an EOF or
    // error shows in the next receive()). Input already waiting is told at once.
    static void start_read(const std::shared_ptr<State>& shared) {
        State& state = *shared;
        if (state.read_armed)
            return;
        state.read_armed = true;
        // Begun from the io_context, not here: the connection arms right after its answer left,
        // and a read begun now would find nothing (Asio tries it at once: a wasted recv); by
        // the time the io_context runs this, the peer's next bytes have often come.
        ::asio::post(state.io->get_executor(), [state = shared] { begin_read(state); });
    }

    static void begin_read(const std::shared_ptr<State>& shared) {
        State& state = *shared;
        if (state.closed)
            return;
        if (state.early_begin != state.early_end || state.read_end.eof || state.read_end.error) {
            state.read_armed = false;
            if (state.events != nullptr)
                state.events->on_readable();
            return;
        }
        state.reading = true;
        state.socket.async_read_some(::asio::buffer(state.early), [state = shared](std::error_code error, std::size_t got) {
            state->read_armed = false;
            state->reading = false;
            const bool cancel_ended = state->read_cancel == ReadCancel::pending;
            if (cancel_ended)
                state->read_cancel = ReadCancel::done;
            if (state->closed)
                return;
            state->early_begin = 0;
            state->early_end = static_cast<std::uint16_t>(got);
            state->early_full = got == state->early.size();
            if (error && got == 0 && error != ::asio::error::operation_aborted) {  // aborted: see send()
                IoResult end;
                classify(error, end);
                if (!end.would_block)
                    state->read_end = end;
            }
            if (state->events != nullptr)
                state->events->on_readable();
            if (cancel_ended && !state->closed && state->events != nullptr && std::exchange(state->write_wanted, false))
                state->events->on_writable();  // the failed send's error can be told now
        });
    }

    static void connected(const std::shared_ptr<State>& shared, std::error_code error) {
        State& state = *shared;
        if (state.closed)
            return;
        if (error) {
            state.connect_error = normalized(error);
        } else {
            state.connected = true;
            prepare(state);
        }
        const bool read = std::exchange(state.read_wanted, false);
        const bool write = std::exchange(state.write_wanted, false);
        if (read && !error)
            start_read(shared);
        if (write && state.events != nullptr)
            state.events->on_writable();  // the attempt ended (connected or not)
    }

    static void written(State& state, std::error_code error) {
        state.writing = false;
        std::vector<std::byte>{}.swap(state.staging);  // an idle connection keeps no buffer
        if (state.closed)
            return;
        if (error) {
            state.write_error = normalized(error);
        } else if (state.shutdown_pending) {
            state.shutdown_pending = false;
            std::error_code ignored;
            state.socket.shutdown(::asio::ip::tcp::socket::shutdown_send, ignored);
        }
        if (state.write_wanted && state.events != nullptr) {
            state.write_wanted = false;
            state.events->on_writable();
        }
    }

    std::shared_ptr<State> state_;
};

/// A listening TCP socket on Asio as a Listener: one async_accept outstanding while fewer than
/// `queue_limit` accepted peers wait to be taken.
class AsioListener final : public Listener {
public:
    /// Binds `endpoint` and listens. Throws hio::SystemError naming the address.
    AsioListener(::asio::io_context& io, const ::asio::ip::tcp::endpoint& endpoint, int backlog)
        : state_{std::make_shared<State>(io)} {
        ::asio::ip::tcp::acceptor& acceptor = state_->acceptor;
        std::error_code error;
        acceptor.open(endpoint.protocol(), error);
#if defined(_WIN32)
        // Windows' SO_REUSEADDR lets another socket take over a listening port; its exclusive
        // use is the safe default (Microsoft: "Using SO_REUSEADDR and SO_EXCLUSIVEADDRUSE").
        if (!error)
            acceptor.set_option(::asio::detail::socket_option::boolean<SOL_SOCKET, SO_EXCLUSIVEADDRUSE>{true}, error);
#else
        if (!error)
            acceptor.set_option(::asio::socket_base::reuse_address{true}, error);
#endif
        if (!error && endpoint.address().is_v6())
            acceptor.set_option(::asio::ip::v6_only{true}, error);  // "::1" means IPv6 only
        if (!error)
            acceptor.bind(endpoint, error);
        if (!error)
            acceptor.listen(backlog, error);
        if (error) {
            std::error_code ignored;
            acceptor.close(ignored);
            throw SystemError{normalized(error), "asio::Network: cannot listen on " + endpoint_text(endpoint)};
        }
        bound_ = acceptor.local_endpoint(error);
        accept_next(state_);
    }

    AsioListener(const AsioListener&) = delete;
    AsioListener& operator=(const AsioListener&) = delete;
    ~AsioListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        State& state = *state_;
        if (state.closed)
            return nullptr;
        if (state.error) {
            error = std::exchange(state.error, {});
            accept_next(state_);  // the server retries when it chooses; so does the acceptor
            return nullptr;
        }
        if (state.ready.empty())
            return nullptr;
        ::asio::ip::tcp::socket socket = std::move(state.ready.front());
        state.ready.pop_front();
        accept_next(state_);
        try {
            return std::make_unique<AsioTransport>(std::move(socket));
        } catch (const std::bad_alloc&) {
            error = std::make_error_code(std::errc::not_enough_memory);
            return nullptr;
        }
    }

    void watch(TransportEvents* events) noexcept override { state_->events = state_->closed ? nullptr : events; }

    void arm_accept() override {
        State& state = *state_;
        if (state.closed)
            return;
        if (state.ready.empty() && !state.error) {
            state.wanted = true;  // told when the next peer is accepted
            return;
        }
        tell_soon(state_, state.acceptor.get_executor(), &State::posted, &TransportEvents::on_readable);
    }

    [[nodiscard]] std::string local_endpoint() const override { return endpoint_text(bound_); }
    [[nodiscard]] std::uint16_t port() const override { return bound_.port(); }

    void close() noexcept override {
        State& state = *state_;
        if (state.closed)
            return;
        state.closed = true;
        state.events = nullptr;
        std::error_code ignored;
        state.acceptor.close(ignored);
        for (auto& socket : state.ready)
            socket.close(ignored);
        state.ready.clear();
    }

    /// Accepted peers held at most before accepting waits for the server to take them.
    static constexpr std::size_t queue_limit = 64;

private:
    struct State {
        explicit State(::asio::io_context& io) : acceptor{io} {}
        ::asio::ip::tcp::acceptor acceptor;
        std::deque<::asio::ip::tcp::socket> ready;
        TransportEvents* events = nullptr;
        std::error_code error;
        bool accepting = false;
        bool wanted = false;
        bool posted = false;
        bool closed = false;
    };

    static void accept_next(const std::shared_ptr<State>& shared) {
        State& state = *shared;
        if (state.closed || state.accepting || state.error || state.ready.size() >= queue_limit)
            return;
        state.accepting = true;
        state.acceptor.async_accept([state = shared](std::error_code error, ::asio::ip::tcp::socket socket) {
            state->accepting = false;
            if (state->closed)
                return;
            if (error == ::asio::error::connection_aborted || error == ::asio::error::interrupted) {
                accept_next(state);  // a peer that left before we got to it
                return;
            }
            if (error)
                state->error = normalized(error);  // out of descriptors, ...: reported by accept()
            else
                state->ready.push_back(std::move(socket));
            accept_next(state);
            if (state->wanted && state->events != nullptr) {
                state->wanted = false;
                state->events->on_readable();
            }
        });
    }

    std::shared_ptr<State> state_;
    ::asio::ip::tcp::endpoint bound_;
};

}  // namespace hio::asio::detail
