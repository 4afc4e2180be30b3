// scheduler_bench: what a doer costs to schedule, against peers doing the same work.
//
// Run:   build/bench/scheduler_bench           (full run, about a minute)
//        build/bench/scheduler_bench --quick   (small sizes, a smoke test)
//
// Dense: N doers with tock 0 all run on every pass of a virtual-time Doist; each recur adds
// one to a counter. The same work is done as Asio handlers that post() themselves again, and
// as C++20 coroutines resumed round-robin from a vector of handles (the floor: no scheduling
// decision at all). Printed: ns per doer-recur, ns per pass, and bytes per doer: the Doer
// object itself and the scheduler's own bookkeeping, as glibc's heap in use grows.
//
// Sparse: 1 000 000 doers of which 10 are due on each pass (the rest have a tock far beyond
// the run). The Doist's pass should cost what 10 doers cost, not 10^6; printed beside a Doist
// with only the 10 doers, and beside hio's algorithm (check every deed on every pass).
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <hio/doist.hpp>
#include <hio/dodoer_of.hpp>
#include <hio/version.hpp>

// --- Memory: bytes in use on the heap, from glibc (malloc's own overhead included). -------
namespace {

std::size_t heap_bytes() {
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;  // small chunks in use + large mmapped chunks
}

}  // namespace

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Keeps a result observable so the optimiser cannot drop the work.
std::uint64_t sink = 0;

// --- The work, as a Doer ---------------------------------------------------------------
class Counter final : public hio::Doer {
public:
    explicit Counter(double tock = 0.0) : hio::Doer{tock} {}
    std::uint64_t count = 0;

protected:
    bool recur(double) override {
        ++count;
        return false;
    }
};

struct Figures {
    double ns_per_recur;
    double ns_per_pass;
    double object_bytes;     // per doer: the task object itself
    double scheduler_bytes;  // per doer: what the scheduler allocated for it
};

// Passes so that every size does about `work` recurs in total (at least 3 passes).
std::size_t passes_for(std::size_t n, double work) {
    return std::max<std::size_t>(3, static_cast<std::size_t>(work / static_cast<double>(n)));
}

Figures run_doist(std::size_t n, double work) {
    const std::size_t passes = passes_for(n, work);
    const std::size_t before_objects = heap_bytes();
    std::vector<Counter> doers(n);
    const std::size_t object_bytes = heap_bytes() - before_objects;

    std::vector<hio::Doer*> list;
    list.reserve(n);
    for (Counter& doer : doers)
        list.push_back(&doer);

    hio::Doist doist{{.tock = 0.03125}};
    const std::size_t before_engine = heap_bytes();
    doist.extend(list);
    doist.enter();
    doist.recur();  // warm-up pass: the engine's lists reach their steady size
    const std::size_t engine_bytes = heap_bytes() - before_engine;

    const auto start = Clock::now();
    for (std::size_t p = 0; p < passes; ++p)
        doist.recur();
    const double elapsed = seconds_since(start);
    doist.exit();
    for (const Counter& doer : doers)
        sink += doer.count;

    const double nn = static_cast<double>(n);
    const double np = static_cast<double>(passes);
    return {elapsed * 1e9 / (nn * np), elapsed * 1e9 / np, static_cast<double>(object_bytes) / nn,
            static_cast<double>(engine_bytes) / nn};
}

// --- The same work as Asio handlers that re-post themselves ----------------------------
struct AsioTask {
    asio::io_context* io;
    std::uint64_t* count;
    std::size_t left;
    void operator()() {
        ++*count;
        if (--left != 0)
            asio::post(*io, AsioTask{*this});
    }
};

Figures run_asio(std::size_t n, double work) {
    const std::size_t passes = passes_for(n, work);
    asio::io_context io{1};  // one thread: no locking cost beyond what Asio always pays
    std::vector<std::uint64_t> counts(n);
    const std::size_t before = heap_bytes();
    for (std::size_t i = 0; i < n; ++i)
        asio::post(io, AsioTask{&io, &counts[i], passes + 1});
    io.run_one();  // warm-up, as the Doist's first pass
    const std::size_t bytes = heap_bytes() - before;
    const auto start = Clock::now();
    io.run();
    const double elapsed = seconds_since(start);
    for (const std::uint64_t c : counts)
        sink += c;
    const double nn = static_cast<double>(n);
    const double np = static_cast<double>(passes);
    // Asio's handler is its own task object; it holds no other per-task state.
    return {elapsed * 1e9 / (nn * np), elapsed * 1e9 / np, static_cast<double>(bytes) / nn, 0.0};
}

// --- The same work as C++20 coroutines resumed round-robin -----------------------------
struct Task {
    struct promise_type {
        Task get_return_object() { return Task{std::coroutine_handle<promise_type>::from_promise(*this)}; }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        void unhandled_exception() { std::terminate(); }
    };
    explicit Task(std::coroutine_handle<promise_type> h) : handle{h} {}
    Task(Task&& other) noexcept : handle{std::exchange(other.handle, {})} {}
    Task& operator=(Task&&) = delete;
    ~Task() {
        if (handle)
            handle.destroy();
    }
    std::coroutine_handle<promise_type> handle;
};

Task counting(std::uint64_t& count) {
    for (;;) {
        ++count;
        co_await std::suspend_always{};
    }
}

Figures run_coroutines(std::size_t n, double work) {
    const std::size_t passes = passes_for(n, work);
    std::vector<std::uint64_t> counts(n);
    std::vector<Task> tasks;
    tasks.reserve(n);
    const std::size_t before = heap_bytes();
    for (std::size_t i = 0; i < n; ++i)
        tasks.push_back(counting(counts[i]));
    const std::size_t bytes = heap_bytes() - before;
    for (Task& task : tasks)
        task.handle.resume();  // warm-up pass
    const auto start = Clock::now();
    for (std::size_t p = 0; p < passes; ++p)
        for (Task& task : tasks)
            task.handle.resume();
    const double elapsed = seconds_since(start);
    for (const std::uint64_t c : counts)
        sink += c;
    const double nn = static_cast<double>(n);
    const double np = static_cast<double>(passes);
    return {elapsed * 1e9 / (nn * np), elapsed * 1e9 / np, static_cast<double>(bytes) / nn,
            static_cast<double>(sizeof(Task))};
}

// --- The same work in a compile-time group (hio::DoDoerOf, hio::DoDoerArray) -----------
// Members held by value, scheduled without a virtual call: `K` makes ten different types.
template <int K>
struct Work : hio::StaticDoer {
    std::uint64_t count = 0;
    bool recur(double) {
        ++count;
        return false;
    }
};

// Drives `group` as a Doist drives a child: enter, then one send (one pass) per tock.
template <class Group>
double run_group(Group& group, std::size_t n, std::size_t passes) {
    hio::Tymist clock{0.0, 0.03125};
    group.begin(clock);
    group.send(clock.tyme());  // warm-up pass
    const auto start = Clock::now();
    for (std::size_t p = 0; p < passes; ++p)
        group.send(clock.tick());
    const double elapsed = seconds_since(start);
    group.halt();
    return elapsed * 1e9 / (static_cast<double>(n) * static_cast<double>(passes));
}

template <int... Ks>
double run_static_ten(std::integer_sequence<int, Ks...>, double work) {
    const std::size_t passes = passes_for(sizeof...(Ks), work);
    hio::DoDoerOf<Work<Ks>...> group;
    const double ns = run_group(group, sizeof...(Ks), passes);
    [&]<std::size_t... Is>(std::index_sequence<Is...>) { ((sink += group.template get<Is>().count), ...); }(
        std::make_index_sequence<sizeof...(Ks)>{});
    return ns;
}

double run_static_array(double work) {
    constexpr std::size_t n = 1000;
    const std::size_t passes = passes_for(n, work);
    auto group = std::make_unique<hio::DoDoerArray<Work<0>, n>>();
    const double ns = run_group(*group, n, passes);
    for (const Work<0>& member : group->members())
        sink += member.count;
    return ns;
}

// --- Sparse: 10 due among a million -----------------------------------------------------
double sparse_doist_ns_per_pass(std::size_t idle, std::size_t due, std::size_t passes) {
    std::vector<Counter> busy(due);
    std::vector<std::unique_ptr<Counter>> sleepers;
    std::vector<hio::Doer*> list;
    list.reserve(idle + due);
    // Interleave the due doers among the idle ones so the engine cannot rely on position.
    const std::size_t stride = due == 0 ? 1 : std::max<std::size_t>(1, idle / due);
    std::size_t next_busy = 0;
    for (std::size_t i = 0; i < idle; ++i) {
        if (i % stride == 0 && next_busy < due)
            list.push_back(&busy[next_busy++]);
        sleepers.push_back(std::make_unique<Counter>(1e9));
        list.push_back(sleepers.back().get());
    }
    while (next_busy < due)
        list.push_back(&busy[next_busy++]);

    hio::Doist doist{{.tock = 0.03125}, list};
    doist.enter();
    doist.recur();  // the first pass runs everyone once; from then on only `due` are due
    const auto start = Clock::now();
    for (std::size_t p = 0; p < passes; ++p)
        doist.recur();
    const double elapsed = seconds_since(start);
    doist.exit();
    for (const Counter& doer : busy)
        sink += doer.count;
    return elapsed * 1e9 / static_cast<double>(passes);
}

// hio's algorithm: every deed is popped, its retyme checked, and appended again, every pass.
double sparse_deque_ns_per_pass(std::size_t idle, std::size_t due, std::size_t passes) {
    struct Deed {
        Counter* doer;
        double retyme;
    };
    std::vector<Counter> busy(due);
    std::vector<std::unique_ptr<Counter>> sleepers;
    std::deque<Deed> deeds;
    for (std::size_t i = 0; i < idle; ++i) {
        sleepers.push_back(std::make_unique<Counter>(1e9));
        deeds.push_back({sleepers.back().get(), 1e9});
    }
    for (Counter& doer : busy)
        deeds.push_back({&doer, 0.0});
    double tyme = 0.0;
    const auto start = Clock::now();
    for (std::size_t p = 0; p < passes; ++p) {
        for (std::size_t k = deeds.size(); k != 0; --k) {
            Deed deed = deeds.front();
            deeds.pop_front();
            if (deed.retyme <= tyme) {
                deed.doer->send(tyme);
                deed.retyme = tyme + 0.03125;
            }
            deeds.push_back(deed);
        }
        tyme += 0.03125;
    }
    const double elapsed = seconds_since(start);
    for (const Counter& doer : busy)
        sink += doer.count;
    return elapsed * 1e9 / static_cast<double>(passes);
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const double work = quick ? 2e5 : 3e7;  // recurs per measurement
    const std::vector<std::size_t> sizes = quick ? std::vector<std::size_t>{1, 1000, 10000}
                                                 : std::vector<std::size_t>{1, 1000, 1000000};

    std::printf("hio-cpp %s scheduler_bench%s: dense (every doer due every pass)\n",
                hio::version_string, quick ? " --quick" : "");
    std::printf("sizeof(hio::Doer) = %zu bytes\n\n", sizeof(hio::Doer));
    std::printf("%9s  %-10s %12s %12s %12s %12s %10s\n", "N", "runner", "ns/recur", "ns/pass",
                "obj B/task", "sched B/task", "vs Doist");
    for (const std::size_t n : sizes) {
        const Figures doist = run_doist(n, work);
        const Figures asio = run_asio(n, work);
        const Figures coro = run_coroutines(n, work);
        const auto row = [n, &doist](const char* name, const Figures& f) {
            std::printf("%9zu  %-10s %12.2f %12.1f %12.1f %12.1f %9.2fx\n", n, name, f.ns_per_recur,
                        f.ns_per_pass, f.object_bytes, f.scheduler_bytes,
                        f.ns_per_recur / doist.ns_per_recur);
        };
        row("Doist", doist);
        row("asio post", asio);
        row("coroutine", coro);
    }

    // Compile-time groups: ten members of ten types, and a thousand of one type, beside the
    // dynamic Doist and the coroutine floor at the same N, in the same run.
    std::printf("\ncompile-time groups (DoDoerOf, DoDoerArray): every member due every pass\n");
    std::printf("%9s  %-22s %12s %12s\n", "N", "runner", "ns/recur", "vs coroutine");
    for (const std::size_t n : {std::size_t{10}, std::size_t{1000}}) {
        const double group = n == 10 ? run_static_ten(std::make_integer_sequence<int, 10>{}, work) : run_static_array(work);
        const Figures doist = run_doist(n, work);
        const Figures coro = run_coroutines(n, work);
        const char* name = n == 10 ? "DoDoerOf, 10 types" : "DoDoerArray, 1 type";
        std::printf("%9zu  %-22s %12.2f %11.2fx\n", n, name, group, group / coro.ns_per_recur);
        std::printf("%9zu  %-22s %12.2f %11.2fx\n", n, "Doist", doist.ns_per_recur, doist.ns_per_recur / coro.ns_per_recur);
        std::printf("%9zu  %-22s %12.2f %11.2fx\n", n, "coroutine", coro.ns_per_recur, 1.0);
    }
    std::printf("  state per member: none beyond the group object (sizeof DoDoerArray<Work, 1000> = %zu B: %zu B "
                "per member, of which %zu the member itself)\n",
                sizeof(hio::DoDoerArray<Work<0>, 1000>), sizeof(hio::DoDoerArray<Work<0>, 1000>) / 1000,
                sizeof(Work<0>));

    const std::size_t idle = quick ? 10000 : 1000000;
    const std::size_t due = 10;
    const std::size_t passes = quick ? 2000 : 100000;
    std::printf("\nsparse: %zu doers not due + %zu due every pass, %zu passes\n", idle, due, passes);
    const double sparse = sparse_doist_ns_per_pass(idle, due, passes);
    const double only_due = sparse_doist_ns_per_pass(0, due, passes);
    const double deque = sparse_deque_ns_per_pass(idle, due, quick ? passes : 100);
    std::printf("  Doist with %zu + %zu doers : %10.1f ns/pass\n", idle, due, sparse);
    std::printf("  Doist with %zu doers only    : %10.1f ns/pass  (sparse/only-due = %.2fx)\n", due,
                only_due, sparse / only_due);
    std::printf("  hio's deque scan, same doers: %10.1f ns/pass  (deque/sparse = %.0fx)\n", deque,
                deque / sparse);
    std::printf("\n(checksum %llu)\n", static_cast<unsigned long long>(sink));
    return 0;
}
