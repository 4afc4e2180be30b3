#pragma once
/// \file
/// Name resolution off the Doist's thread. Internal: used by hio::tcp::Network.
///
/// A lookup runs on a worker thread (up to four, started as lookups wait for one);
/// its result comes back through a pipe the Reactor watches, so it arrives as readiness, in a
/// pass like any other event, and the Doist never blocks on a slow DNS server. The worker and
/// the queues are shared with the Network: when the Network goes away mid-lookup the worker
/// finishes that lookup on its own and exits, without holding the Network's destruction up.

#if !defined(__linux__)
#error "hio/tcp: the epoll sockets are Linux only; elsewhere use hio::asio::Network (hio/sockets.hpp picks the platform's; docs/platforms.md)"
#endif

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>
#include <hio/tcp/detail/socket.hpp>
#include <hio/tcp/resolve.hpp>

namespace hio::tcp::detail {

/// std::error_code category of getaddrinfo's failures: the value is an EAI_* code, the message
/// gai_strerror's ("Name or service not known"); name "getaddrinfo".
class ResolverCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "getaddrinfo"; }
    [[nodiscard]] std::string message(int value) const override { return ::gai_strerror(value); }
};

/// The category of getaddrinfo's EAI_* codes.
inline const std::error_category& resolver_category() noexcept {
    static const ResolverCategory category;
    return category;
}

/// The system resolver (getaddrinfo, TCP addresses of both families, in the order it prefers):
/// blocking, for the worker thread. A failure is a resolver_category() code (EAI_NONAME: no
/// such host), or the system's errno for EAI_SYSTEM.
inline std::error_code system_resolve(const std::string& host, std::uint16_t port, std::vector<Endpoint>& out) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    addrinfo* found = nullptr;
    const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
    if (status == EAI_SYSTEM)
        return {errno, std::system_category()};
    if (status != 0)
        return {status, resolver_category()};
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned{found, &::freeaddrinfo};
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
        if ((entry->ai_family != AF_INET && entry->ai_family != AF_INET6) || entry->ai_addrlen > sizeof(sockaddr_storage))
            continue;
        SocketAddress address;
        std::memcpy(&address.storage, entry->ai_addr, entry->ai_addrlen);
        address.length = entry->ai_addrlen;
        out.push_back({address.host(), address.port()});
    }
    return {};
}

/// Lookups on a worker thread, answered through a pipe the Reactor watches.
class Resolver final : public Lookups, private TransportEvents {
public:
    /// The result of one lookup, delivered on the Doist's thread.
    using Done = std::function<void(std::error_code, std::vector<Endpoint>)>;

    Resolver(Reactor& reactor, Resolve resolve) : reactor_{reactor}, resolve_{std::move(resolve)} {
        if (!resolve_)
            resolve_ = &system_resolve;
    }
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    ~Resolver() {
        watch_.remove();
        if (shared_) {
            const std::lock_guard lock{shared_->mutex};
            shared_->stopping = true;
            shared_->requests.clear();
            shared_->wanted.notify_all();
        }
    }

    /// Starts a lookup; `done` runs in a later pass (unless cancel(ticket) came first).
    /// Returns its ticket. Throws hio::SystemError when the worker cannot start.
    std::uint64_t lookup(const std::string& host, std::uint16_t port, Done done) {
        start();
        const std::uint64_t ticket = ++last_ticket_;
        waiting_.push_back({ticket, std::move(done)});
        bool another = false;
        {
            const std::lock_guard lock{shared_->mutex};
            shared_->requests.push_back({ticket, host, port});
            // A slow lookup must not hold up the others: a worker per waiting lookup, up to a few.
            another = shared_->idle < shared_->requests.size() && shared_->workers < max_workers;
            if (another)
                ++shared_->workers;
        }
        if (another)
            std::thread{[shared = shared_, resolve = resolve_] { work(*shared, resolve); }}.detach();
        shared_->wanted.notify_one();
        return ticket;
    }

    /// Forgets a lookup: its `done` will not run.
    void cancel(std::uint64_t ticket) noexcept override {
        std::erase_if(waiting_, [&](const Waiting& w) { return w.ticket == ticket; });
    }

    /// Lookups started and not yet delivered.
    [[nodiscard]] std::size_t pending() const noexcept { return waiting_.size(); }

private:
    static constexpr std::size_t max_workers = 4;

    struct Request {
        std::uint64_t ticket;
        std::string host;
        std::uint16_t port;
    };
    struct Answer {
        std::uint64_t ticket;
        std::error_code error;
        std::vector<Endpoint> endpoints;
    };
    struct Waiting {
        std::uint64_t ticket;
        Done done;
    };
    // What the worker and the Network share; the last of them to go closes the pipe.
    struct Shared {
        std::mutex mutex;
        std::condition_variable wanted;
        std::deque<Request> requests;
        std::deque<Answer> answers;
        std::size_t workers = 0;  // threads started
        std::size_t idle = 0;     // of them, waiting for a request
        int read_fd = -1;
        int write_fd = -1;
        bool stopping = false;
        ~Shared() {
            if (read_fd >= 0)
                ::close(read_fd);
            if (write_fd >= 0)
                ::close(write_fd);
        }
    };

    void start() {
        if (shared_)
            return;
        auto shared = std::make_shared<Shared>();
        std::array<int, 2> fds{-1, -1};
        if (::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) != 0)
            throw SystemError{last_system_error(), "tcp::Network: cannot create the resolver's pipe"};
        shared->read_fd = fds[0];
        shared->write_fd = fds[1];
        watch_.add(reactor_, shared->read_fd);
        watch_.events(this);
        shared_ = std::move(shared);
    }

    static void work(Shared& shared, const Resolve& resolve) {
        for (;;) {
            Request request;
            {
                std::unique_lock lock{shared.mutex};
                ++shared.idle;
                shared.wanted.wait(lock, [&] { return shared.stopping || !shared.requests.empty(); });
                --shared.idle;
                if (shared.stopping)
                    return;
                request = std::move(shared.requests.front());
                shared.requests.pop_front();
            }
            Answer answer{request.ticket, {}, {}};
            try {
                answer.error = resolve(request.host, request.port, answer.endpoints);
            } catch (...) {
                answer.error = std::make_error_code(std::errc::io_error);
            }
            const std::lock_guard lock{shared.mutex};
            if (shared.stopping)
                return;
            shared.answers.push_back(std::move(answer));
            const char byte = 1;
            [[maybe_unused]] const auto ignored = ::write(shared.write_fd, &byte, 1);
        }
    }

    // The pipe: answers are waiting.
    void on_readable() noexcept override {
        std::array<char, 64> drain{};
        while (::read(shared_->read_fd, drain.data(), drain.size()) > 0) {
        }
        std::deque<Answer> answers;
        {
            const std::lock_guard lock{shared_->mutex};
            answers.swap(shared_->answers);
        }
        for (Answer& answer : answers) {
            const auto found = std::find_if(waiting_.begin(), waiting_.end(),
                                            [&](const Waiting& w) { return w.ticket == answer.ticket; });
            if (found == waiting_.end())
                continue;  // cancelled
            Done done = std::move(found->done);
            waiting_.erase(found);
            try {
                done(answer.error, std::move(answer.endpoints));
            } catch (...) {  // the transport reports its own failure; nothing to do here
            }
        }
    }
    void on_writable() noexcept override {}

    Reactor& reactor_;
    Resolve resolve_;
    std::shared_ptr<Shared> shared_;
    hio::detail::Watch watch_;
    std::vector<Waiting> waiting_;
    std::uint64_t last_ticket_ = 0;
};

}  // namespace hio::tcp::detail
