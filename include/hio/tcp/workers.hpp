#pragma once
/// \file
/// hio::tcp::Workers: one Doist per core. N worker threads, each with its own Doist, Reactor and
/// Network (nothing shared but what the program passes), and one listener whose accepted
/// connections go to the least-loaded worker. Any stream server (TCP, TLS, HTTP, SSE) runs on
/// a worker unchanged: the worker's Network hands it those connections as its listener's.

#if !defined(__linux__)
#error "hio/tcp/workers.hpp: the epoll workers are Linux only (docs/platforms.md)"
#endif

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <hio/detail/signals.hpp>
#include <hio/doer.hpp>
#include <hio/doist.hpp>
#include <hio/error.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>
#include <hio/tcp/network.hpp>

namespace hio::tcp {

/// What Workers does when a worker's function throws (a doer's exception that its DoDoers did
/// not isolate ends that worker's Doist with it).
enum class WorkerFailure {
    restart,   ///< run the worker's function again (after `restart_delay`), the others go on
    stop_all,  ///< stop every worker; Workers::run() rethrows the first exception
};

/// Settings of Workers.
struct WorkersOptions {
    /// Worker threads; 0: one per core (std::thread::hardware_concurrency()).
    std::size_t workers = 0;
    /// The listening address (numeric: "127.0.0.1", "::1", "0.0.0.0").
    std::string host = "127.0.0.1";
    /// The listening port (0: any free one; Workers::port() reads it back).
    std::uint16_t port = 0;
    /// The listen backlog.
    int backlog = 1024;
    /// Accepted connections that may wait for one worker to take them; beyond it a connection
    /// is closed at once (counted in refused()).
    std::size_t queue = 4096;
    /// Each worker Doist's tock (DoistOptions::tock), and the acceptor's.
    double tock = 0.03125;
    /// Each worker Doist's grace period for a graceful stop (DoistOptions::grace).
    double grace = 5.0;
    /// A worker whose function throws: restart it, or stop all.
    WorkerFailure on_failure = WorkerFailure::restart;
    /// Wall seconds before a failed worker runs again (a crash loop must not spin).
    double restart_delay = 0.1;
    /// Options of each worker's Network (its name resolver for connect()).
    NetworkOptions network{};
};

class Workers;

namespace detail {

// Connections accepted by the acceptor for one worker, with an eventfd that the worker's
// Reactor watches: a push writes it, so the worker's listener turns readable.
struct Handoff {
    Handoff() : event_fd{::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)} {
        if (event_fd < 0)
            throw SystemError{last_system_error(), "tcp::Workers: cannot create an eventfd"};
    }
    Handoff(const Handoff&) = delete;
    Handoff& operator=(const Handoff&) = delete;
    ~Handoff() {
        for (const int fd : queue)
            ::close(fd);
        ::close(event_fd);
    }

    // The acceptor's thread. False (fd not taken) when the queue is full, or the worker's
    // listener closed (a worker that has not listened yet gets its connections queued).
    bool push(int fd, std::size_t limit) {
        {
            std::lock_guard lock{mutex};
            if (!accepting.load(std::memory_order_relaxed) || queue.size() >= limit)
                return false;
            queue.push_back(fd);
        }
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto ignored = ::write(event_fd, &one, sizeof one);
        return true;
    }

    // The worker's thread: the next fd, or -1. Drains the eventfd before the last look, so a
    // push after it writes a new edge and none is missed.
    int pop() {
        {
            std::lock_guard lock{mutex};
            if (!queue.empty()) {
                const int fd = queue.front();
                queue.pop_front();
                return fd;
            }
        }
        std::uint64_t count = 0;
        [[maybe_unused]] const auto ignored = ::read(event_fd, &count, sizeof count);
        std::lock_guard lock{mutex};
        if (queue.empty())
            return -1;
        const int fd = queue.front();
        queue.pop_front();
        return fd;
    }

    // Whether the worker takes connections (its server listens); closing drops the waiting
    // ones. Returns how many it dropped.
    std::size_t set_open(bool value) {
        std::deque<int> dropped;
        {
            std::lock_guard lock{mutex};
            accepting.store(value, std::memory_order_relaxed);
            if (!value)
                dropped.swap(queue);
        }
        for (const int fd : dropped)
            ::close(fd);
        return dropped.size();
    }

    std::mutex mutex;
    std::deque<int> queue;  // guarded by mutex
    int event_fd;
    std::atomic<bool> accepting{true};         // false while the worker's listener is closed (set under mutex)
    std::atomic<std::size_t> connections{0};  // open on this worker (the least-loaded choice)
    std::atomic<std::uint64_t> handed{0};     // handed to it in all
};

// A worker's connection: the socket, and one off the worker's count when it goes.
class CountedTransport final : public Transport {
public:
    CountedTransport(std::unique_ptr<Transport> inner, std::shared_ptr<Handoff> handoff) noexcept
        : inner_{std::move(inner)}, handoff_{std::move(handoff)} {}
    CountedTransport(const CountedTransport&) = delete;
    CountedTransport& operator=(const CountedTransport&) = delete;
    ~CountedTransport() override { handoff_->connections.fetch_sub(1, std::memory_order_relaxed); }

    IoResult receive(std::span<std::byte> into) override { return inner_->receive(into); }
    IoResult send(std::span<const std::byte> from) override { return inner_->send(from); }
    std::error_code shutdown_send() noexcept override { return inner_->shutdown_send(); }
    void close() noexcept override { inner_->close(); }
    void watch(TransportEvents* events) noexcept override { inner_->watch(events); }
    void arm_read() override { inner_->arm_read(); }
    void arm_write() override { inner_->arm_write(); }
    std::error_code finish_connect() noexcept override { return inner_->finish_connect(); }
    [[nodiscard]] std::string remote_endpoint() const override { return inner_->remote_endpoint(); }
    [[nodiscard]] std::string local_endpoint() const override { return inner_->local_endpoint(); }
    [[nodiscard]] bool established() const noexcept override { return inner_->established(); }
    [[nodiscard]] std::string alpn() const override { return inner_->alpn(); }
    bool limit_send_buffer(std::size_t bytes) noexcept override { return inner_->limit_send_buffer(bytes); }
    [[nodiscard]] bool can_send_files() const noexcept override { return inner_->can_send_files(); }
    IoResult send_file(int fd, std::uint64_t offset, std::size_t count) override {
        return inner_->send_file(fd, offset, count);
    }

private:
    std::unique_ptr<Transport> inner_;
    std::shared_ptr<Handoff> handoff_;
};

// A worker's share of the Workers' listener: the connections the acceptor handed it.
class HandoffListener final : public Listener, private TransportEvents {
public:
    HandoffListener(Reactor& reactor, std::shared_ptr<Handoff> handoff, std::string endpoint, std::uint16_t port)
        : reactor_{reactor}, handoff_{std::move(handoff)}, endpoint_{std::move(endpoint)}, port_{port} {
        watch_.add(reactor_, handoff_->event_fd);
        watch_.events(this);
        handoff_->set_open(true);
    }
    HandoffListener(const HandoffListener&) = delete;
    HandoffListener& operator=(const HandoffListener&) = delete;
    ~HandoffListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        if (closed_)
            return nullptr;
        const int fd = handoff_->pop();
        if (fd < 0)
            return nullptr;
        try {
            auto socket = std::make_unique<SocketTransport>(fd, reactor_);
            return std::make_unique<CountedTransport>(std::move(socket), handoff_);
        } catch (const SystemError& failure) {
            handoff_->connections.fetch_sub(1, std::memory_order_relaxed);
            error = failure.code();
            return nullptr;
        }
    }

    void watch(TransportEvents* events) noexcept override { events_ = events; }
    void arm_accept() override { watch_.arm_read(); }
    [[nodiscard]] std::string local_endpoint() const override { return endpoint_; }
    [[nodiscard]] std::uint16_t port() const override { return port_; }

    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        watch_.remove();
        // Closed first, so the acceptor hands it nothing more; the connections handed but not
        // accepted yet are closed (their clients see a reset) and leave the count.
        const std::size_t dropped = handoff_->set_open(false);
        handoff_->connections.fetch_sub(dropped, std::memory_order_relaxed);
    }

private:
    void on_readable() noexcept override {
        if (events_ != nullptr)
            events_->on_readable();
    }
    void on_writable() noexcept override {}

    Reactor& reactor_;
    std::shared_ptr<Handoff> handoff_;
    std::string endpoint_;
    std::uint16_t port_;
    hio::detail::Watch watch_;
    TransportEvents* events_ = nullptr;
    bool closed_ = false;
};

}  // namespace detail

/// One worker, as its function sees it (on its own thread).
class Worker {
public:
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    /// 0 .. workers() - 1.
    [[nodiscard]] std::size_t index() const noexcept { return index_; }
    /// The worker's Reactor: its Doist waits here.
    [[nodiscard]] Reactor& reactor() noexcept { return reactor_; }
    /// The worker's Network. listen() (of any host and port: a StreamServer's options) gives
    /// the connections the Workers' listener hands this worker, once; connect() makes the
    /// worker's own outgoing connections. Connections wait in the worker's queue until its
    /// server listens; while its listener is closed (a restart) or after its function ended,
    /// the other workers get them.
    [[nodiscard]] hio::Network& network() noexcept { return network_; }
    /// Connections open on this worker now.
    [[nodiscard]] std::size_t connections() const noexcept { return handoff_->connections.load(); }

    /// Runs `doers` in this worker's real-time Doist (the Workers' tock and grace period)
    /// until they finish, or a stop (SIGINT, SIGTERM, Workers::request_stop()) winds them down.
    /// The Workers handle the signals and stop each worker once (twice: at once).
    void run(const std::vector<Doer*>& doers) {
        Doist doist{{.tock = tock_, .real = true, .grace = grace_, .handle_signals = false, .waiter = &reactor_}};
        {
            std::lock_guard lock{*doist_mutex_};
            doist_ = &doist;
            if (stop_requested_->load())
                doist.request_stop();
        }
        struct Forget {
            Worker& worker;
            ~Forget() {
                std::lock_guard lock{*worker.doist_mutex_};
                worker.doist_ = nullptr;
            }
        } forget{*this};
        doist.run(doers);
    }

private:
    friend class Workers;

    // The worker's Network: tcp::Network, with listen() answered by the hand-off.
    class HandoffNetwork final : public hio::Network {
    public:
        HandoffNetwork(Worker& worker, NetworkOptions options) : worker_{worker}, tcp_{worker.reactor_, std::move(options)} {}
        [[nodiscard]] Waiter* waiter() const noexcept override { return tcp_.waiter(); }
        std::unique_ptr<Listener> listen(const std::string&, std::uint16_t, int backlog) override {
            if (backlog < 1)
                throw ValidationError{"tcp::Workers: backlog must be >= 1, got " + std::to_string(backlog)};
            return std::make_unique<detail::HandoffListener>(worker_.reactor_, worker_.handoff_, worker_.endpoint_,
                                                             worker_.port_);
        }
        std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port, std::error_code& error) override {
            return tcp_.connect(host, port, error);
        }

    private:
        Worker& worker_;
        tcp::Network tcp_;
    };

    Worker(std::size_t index, const WorkersOptions& options, std::shared_ptr<detail::Handoff> handoff, std::string endpoint,
           std::uint16_t port, std::mutex& doist_mutex, std::atomic<bool>& stop_requested)
        : index_{index}, tock_{options.tock}, grace_{options.grace}, handoff_{std::move(handoff)},
          endpoint_{std::move(endpoint)}, port_{port}, doist_mutex_{&doist_mutex}, stop_requested_{&stop_requested},
          network_{*this, options.network} {}

    std::size_t index_;
    double tock_;
    double grace_;
    std::shared_ptr<detail::Handoff> handoff_;
    std::string endpoint_;
    std::uint16_t port_;
    std::mutex* doist_mutex_;
    std::atomic<bool>* stop_requested_;
    Doist* doist_ = nullptr;  // guarded by *doist_mutex_
    Reactor reactor_;
    HandoffNetwork network_;
};

/// N workers and one listener (see the file comment).
///
/// ```
/// hio::tcp::Workers workers{{.workers = 0, .host = "127.0.0.1", .port = 8080}};
/// workers.run([](hio::tcp::Worker& worker) {       // on each worker's thread
///     hio::StreamServer tcp{worker.network(), {}};  // this worker's share of the listener
///     hio::http::ServerDoer http{tcp, handler};
///     worker.run({&http});
/// });                                              // until SIGINT or SIGTERM
/// ```
///
/// run() opens the listener, starts the workers, and accepts on the calling thread (a Doist of
/// its own): each connection goes to the worker with the fewest open connections, ties to the
/// next in turn, through a queue that wakes that worker's Reactor. One SIGINT or SIGTERM (or
/// request_stop()) stops accepting and starts every worker's graceful wind-down; run() returns
/// when all have ended. Determinism holds inside each worker (one thread, one Doist); which
/// worker gets a connection depends on the others' load.
class Workers {
public:
    /// Checks the options. Throws ValidationError for a non-numeric host or a queue of 0.
    explicit Workers(WorkersOptions options) : options_{std::move(options)} {
        if (options_.workers == 0)
            options_.workers = std::max<std::size_t>(1, std::thread::hardware_concurrency());
        if (options_.queue == 0)
            throw ValidationError{"tcp::Workers: queue must be >= 1"};
        if (!detail::SocketAddress::parse(options_.host, options_.port, address_))
            throw ValidationError{"tcp::Workers: host must be a numeric address (\"127.0.0.1\", \"::1\"), got \"" +
                                  options_.host + "\""};
        for (std::size_t i = 0; i < options_.workers; ++i)
            handoffs_.push_back(std::make_shared<detail::Handoff>());
    }

    Workers(const Workers&) = delete;
    Workers& operator=(const Workers&) = delete;

    /// Binds the listener now (run() does it otherwise), so that port() is known. Throws
    /// hio::SystemError naming the address.
    void open() {
        if (listen_fd_ >= 0)
            return;
        listen_fd_ = ::socket(address_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (listen_fd_ < 0)
            throw SystemError{last_system_error(), "tcp::Workers: cannot open a socket for " + address_.text()};
        const int on = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (address_.family() == AF_INET6)
            ::setsockopt(listen_fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        if (::bind(listen_fd_, address_.get(), address_.length) != 0 || ::listen(listen_fd_, options_.backlog) != 0) {
            const std::error_code error = last_system_error();
            ::close(listen_fd_);
            listen_fd_ = -1;
            throw SystemError{error, "tcp::Workers: cannot listen on " + address_.text()};
        }
        bound_ = hio::SocketAddress::of(listen_fd_, false);
    }

    ~Workers() {
        if (listen_fd_ >= 0)
            ::close(listen_fd_);
    }

    /// Runs `body` on each worker's thread (it builds the worker's doers and calls
    /// Worker::run()) while the calling thread accepts; returns when every worker ended. With
    /// WorkerFailure::stop_all, rethrows the first exception of a worker.
    void run(const std::function<void(Worker&)>& body) {
        open();
        stop_requested_.store(false);
        // SIGINT and SIGTERM are counted for the whole run (the acceptor's Doist ends at the
        // first; a second one must not meet the default handler).
        const hio::detail::SignalGuard signals{true};
        std::atomic<std::size_t> finished{0};
        std::vector<std::unique_ptr<Worker>> workers;
        for (std::size_t i = 0; i < options_.workers; ++i)
            workers.push_back(std::unique_ptr<Worker>{new Worker{i, options_, handoffs_[i], bound_.text(), bound_.port(),
                                                                 doist_mutex_, stop_requested_}});
        std::exception_ptr failure;
        std::mutex failure_mutex;
        std::vector<std::thread> threads;
        const auto abandon = [&] {  // a thread could not start: stop and join those that did
            stop_requested_.store(true);
            {
                std::lock_guard lock{doist_mutex_};
                workers_ = &workers;
                stop_workers_locked();
            }
            while (finished.load() < threads.size())
                std::this_thread::sleep_for(std::chrono::milliseconds{5});
            for (std::thread& thread : threads)
                thread.join();
            std::lock_guard lock{doist_mutex_};
            workers_ = nullptr;
        };
        // Each worker's thread: its function, again after a failure (WorkerFailure::restart).
        const auto worker_main = [this, &body, &failure, &failure_mutex, &finished](Worker& worker_ref) {
            struct Finished {
                std::atomic<std::size_t>& count;
                detail::Handoff& handoff;
                ~Finished() {
                    handoff.connections.fetch_sub(handoff.set_open(false));  // it takes no more
                    count.fetch_add(1);
                }
            } mark{finished, *worker_ref.handoff_};
            for (;;) {
                try {
                    body(worker_ref);
                } catch (...) {
                    restarts_.fetch_add(1);
                    if (options_.on_failure == WorkerFailure::stop_all) {
                        {
                            std::lock_guard lock{failure_mutex};
                            if (!failure)
                                failure = std::current_exception();
                        }
                        request_stop();
                        return;
                    }
                    if (!stop_requested_.load()) {
                        std::this_thread::sleep_for(std::chrono::duration<double>{options_.restart_delay});
                        if (!stop_requested_.load())
                            continue;  // the worker's function again: a new Doist, new doers
                    }
                    return;
                }
                return;  // ended on its own or by a stop
            }
        };
        for (auto& worker : workers) {
            try {
                threads.emplace_back(worker_main, std::ref(*worker));
            } catch (...) {
                abandon();
                throw;
            }
        }
        {
            std::lock_guard lock{doist_mutex_};
            workers_ = &workers;
        }
        const auto join_all = [&] {
            // Until every worker ended; a signal meanwhile (the second) stops them at once.
            unsigned seen = hio::detail::stop_signals.load();
            while (finished.load() < threads.size()) {
                std::this_thread::sleep_for(std::chrono::milliseconds{10});
                if (const unsigned now = hio::detail::stop_signals.load(); now != seen) {
                    seen = now;
                    stop_workers();
                }
            }
            for (std::thread& thread : threads)
                thread.join();
            std::lock_guard lock{doist_mutex_};
            workers_ = nullptr;
        };
        try {
            accept_loop();  // until SIGINT, SIGTERM or request_stop()
        } catch (...) {
            stop_workers();
            join_all();
            throw;
        }
        stop_workers();  // once: every worker winds down with its grace period
        join_all();
        if (failure)
            std::rethrow_exception(failure);
    }

    /// Stops accepting and winds every worker down, as SIGTERM does (a second call: at once).
    /// Safe from any thread.
    void request_stop() {
        std::lock_guard lock{doist_mutex_};
        stop_requested_.store(true);
        if (acceptor_ != nullptr)
            acceptor_->request_stop();
        else
            stop_workers_locked();
    }

    /// The bound port (after open() or run()).
    [[nodiscard]] std::uint16_t port() const noexcept { return bound_.port(); }
    /// "host:port" bound.
    [[nodiscard]] std::string local_endpoint() const { return bound_.text(); }
    /// The number of workers.
    [[nodiscard]] std::size_t size() const noexcept { return options_.workers; }
    /// Connections handed to worker `index` in all.
    [[nodiscard]] std::uint64_t handed(std::size_t index) const { return handoffs_.at(index)->handed.load(); }
    /// Connections open on worker `index` now.
    [[nodiscard]] std::size_t connections(std::size_t index) const { return handoffs_.at(index)->connections.load(); }
    /// Connections closed at once because the chosen worker's queue was full or it took none.
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_.load(); }
    /// Worker functions that threw (and were restarted, with WorkerFailure::restart).
    [[nodiscard]] std::uint64_t failures() const noexcept { return restarts_.load(); }

private:
    // Asks every running worker's Doist to stop; workers that start later stop at once.
    void stop_workers() {
        std::lock_guard lock{doist_mutex_};
        stop_workers_locked();
    }
    void stop_workers_locked() {
        stop_requested_.store(true);
        if (workers_ != nullptr)
            for (auto& worker : *workers_)
                if (worker->doist_ != nullptr)
                    worker->doist_->request_stop();
    }

    // Accepts on the calling thread's own Doist until a stop; hands each connection on.
    class Acceptor final : public Doer, private TransportEvents {
    public:
        explicit Acceptor(Workers& workers) : workers_{workers}, reactor_{workers.acceptor_reactor_} {}

    protected:
        void enter() override {
            watch_.add(reactor_, workers_.listen_fd_);
            watch_.events(this);
            watch_.arm_read();
        }
        bool recur(double tyme) override {
            watch_.arm_read();
            if (workers_.accept_ready())
                idle();
            else
                idle_until(tyme + 0.1);  // out of descriptors: the backlog is tried again soon
            return false;
        }
        void exit() noexcept override { watch_.remove(); }

    private:
        friend class Workers;
        void on_readable() noexcept override { wake(); }
        void on_writable() noexcept override {}

        Workers& workers_;
        Reactor& reactor_;
        hio::detail::Watch watch_;
    };

    void accept_loop() {
        Acceptor acceptor{*this};
        Doist doist{{.tock = options_.tock, .real = true, .waiter = &acceptor.reactor_}};
        {
            std::lock_guard lock{doist_mutex_};
            acceptor_ = &doist;
            if (stop_requested_.load())
                doist.request_stop();
        }
        struct Forget {
            Workers& workers;
            ~Forget() {
                std::lock_guard lock{workers.doist_mutex_};
                workers.acceptor_ = nullptr;
            }
        } forget{*this};
        doist.run({&acceptor});
    }

    // Accepts what is waiting; each connection to the least-loaded worker that takes
    // connections (ties: the next in turn after the last chosen), or closed when none can.
    // Returns false when accepting must pause (out of descriptors or memory).
    bool accept_ready() {
        for (;;) {
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                const int code = errno;
                if (code == EAGAIN || code == EWOULDBLOCK)
                    return true;  // drained: the next edge brings more
                if (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM)
                    return false;  // the backlog waits; the acceptor tries again shortly
                continue;          // a peer gone before we got to it (ECONNABORTED, EPROTO, ...), EINTR
            }
            const std::size_t count = handoffs_.size();
            std::size_t best = count;
            std::size_t least = 0;
            for (std::size_t step = 0; step < count; ++step) {
                const std::size_t i = (next_ + step) % count;
                if (!handoffs_[i]->accepting.load(std::memory_order_relaxed))
                    continue;  // its listener is closed (a worker restarting, or ended)
                const std::size_t load = handoffs_[i]->connections.load(std::memory_order_relaxed);
                if (best == count || load < least) {
                    least = load;
                    best = i;
                }
            }
            if (best == count) {
                ::close(fd);
                refused_.fetch_add(1);
                continue;
            }
            next_ = best + 1;
            detail::Handoff& chosen = *handoffs_[best];
            chosen.connections.fetch_add(1, std::memory_order_relaxed);
            if (!chosen.push(fd, options_.queue)) {
                chosen.connections.fetch_sub(1, std::memory_order_relaxed);
                ::close(fd);
                refused_.fetch_add(1);
                continue;
            }
            chosen.handed.fetch_add(1, std::memory_order_relaxed);
        }
    }

    WorkersOptions options_;
    // The acceptor's Reactor, made before any worker's: the one whose Doist hears the signals
    // gets a signal wake-up slot first (there are 64).
    Reactor acceptor_reactor_;
    detail::SocketAddress address_;
    hio::SocketAddress bound_;
    int listen_fd_ = -1;
    std::vector<std::shared_ptr<detail::Handoff>> handoffs_;
    std::size_t next_ = 0;  // the acceptor's thread
    std::mutex doist_mutex_;
    Doist* acceptor_ = nullptr;                              // guarded by doist_mutex_
    std::vector<std::unique_ptr<Worker>>* workers_ = nullptr;  // guarded by doist_mutex_
    std::atomic<bool> stop_requested_{false};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> restarts_{0};
};

}  // namespace hio::tcp
