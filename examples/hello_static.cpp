// hello_static: hello_doist's three doers as a compile-time group: the same program, the same
// output, with no virtual call, no Doer base and no allocation in the scheduling.
//
// Run:   build/examples/hello_static            (real time: about 2 seconds)
//        build/examples/hello_static --virtual  (virtual time: instant, same output)
//
// A member of a compile-time group is any type with Doer's six lifecycle contexts
// (hio::StaticMember); deriving from hio::StaticDoer gives all six doing nothing, so each type
// below writes only the ones it needs. hio::DoistOf holds the three by value and runs them with
// exactly a Doist's order and tymes (compare examples/hello_doist.cpp, line for line).
#include <cstdio>

#include <hio/core.hpp>

#include "arguments.hpp"

namespace {

// Produces one reading per tock (0.25 s) into the Reporter's Deck and finishes after eight.
class Sampler : public hio::StaticDoer {
public:
    Sampler() : hio::StaticDoer{0.25} {}
    hio::Deck<int>* out = nullptr;  // set once the group holds both members

    void enter() { count_ = 0; }

    bool recur(double tyme) {
        const int reading = 20 + (count_ * 7) % 5;  // a made-up temperature
        out->push(reading);
        std::printf("%5.2f  sampler   read %d\n", tyme, reading);
        return ++count_ == 8;  // true: done, the group runs clean() and exit()
    }

    void clean() { std::printf("        sampler   finished after %d readings\n", count_); }

private:
    int count_ = 0;
};

// Runs every pass (tock 0) and reports whatever the Sampler has left in the Deck.
class Reporter : public hio::StaticDoer {
public:
    hio::Deck<int> readings;

    bool recur(double tyme) {
        while (auto reading = readings.pull())
            std::printf("%5.2f  reporter  got %d\n", tyme, *reading);
        return false;  // never finishes on its own: it is closed when the run ends
    }

    void close() noexcept { std::printf("        reporter  closed\n"); }
};

// Prints once per second of tyme (a member held by value reads tyme from recur).
class Heartbeat : public hio::StaticDoer {
public:
    void enter() { next_ = 1.0; }

    bool recur(double tyme) {
        if (tyme >= next_) {
            std::printf("%5.2f  heartbeat\n", tyme);
            next_ += 1.0;  // lossless: the next beat is one second after this one was due
        }
        return false;
    }

private:
    double next_ = 1.0;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv, "hello_static [--virtual]", {}, {"--virtual"}};
    const bool real = !args.flag("--virtual");

    // Passes every 0.125 s of tyme, paced to the wall clock unless --virtual. The three members
    // live inside the DoistOf, in the order they run.
    hio::DoistOf<Sampler, Reporter, Heartbeat> doist{{.tock = 0.125, .limit = 2.0, .real = real}};
    doist.get<0>().out = &doist.get<1>().readings;
    doist.run();

    std::printf("done at tyme %.3f: sampler %s, group %s\n", doist.tyme(),
                doist.done_state(0) == true ? "finished" : "stopped", doist.done() ? "finished" : "closed");
    return 0;
}
