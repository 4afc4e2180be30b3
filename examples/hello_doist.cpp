// hello_doist: the smallest whole hio program: three doers, one DoDoer, one Doist.
//
// Run:   build/examples/hello_doist            (real time: about 2 seconds)
//        build/examples/hello_doist --virtual  (virtual time: instant, same output)
// Stop early with Ctrl-C (SIGINT) or `kill` (SIGTERM): the doers close in reverse order.
//
// A Sampler pushes a reading into a Deck four times a second; a Reporter drains the Deck
// whenever it runs; a Heartbeat uses a Tymer to print once a second. A DoDoer groups the
// three and the Doist runs the group for two seconds of tyme.
#include <cstdio>

#include <hio/core.hpp>

#include "arguments.hpp"

namespace {

// Produces one reading per tock (0.25 s) and finishes after eight.
class Sampler : public hio::Doer {
public:
    explicit Sampler(hio::Deck<int>& out) : hio::Doer{0.25}, out_{out} {}

protected:
    void enter() override { count_ = 0; }

    bool recur(double tyme) override {
        const int reading = 20 + (count_ * 7) % 5;  // a made-up temperature
        out_.push(reading);
        std::printf("%5.2f  sampler   read %d\n", tyme, reading);
        return ++count_ == 8;  // true: done, the scheduler runs clean() and exit()
    }

    void clean() override { std::printf("        sampler   finished after %d readings\n", count_); }

private:
    hio::Deck<int>& out_;
    int count_ = 0;
};

// Runs every pass (tock 0) and reports whatever the Sampler has left in the Deck.
class Reporter : public hio::Doer {
public:
    explicit Reporter(hio::Deck<int>& in) : in_{in} {}

protected:
    bool recur(double tyme) override {
        while (auto reading = in_.pull())
            std::printf("%5.2f  reporter  got %d\n", tyme, *reading);
        return false;  // never finishes on its own: it is closed when its group ends
    }

    void close() noexcept override { std::printf("        reporter  closed\n"); }

private:
    hio::Deck<int>& in_;
};

// Prints once per second of tyme, measured with a Tymer on the Doist's clock.
class Heartbeat : public hio::Doer {
protected:
    void enter() override { timer_ = hio::Tymer{*tymist(), 1.0}; }

    bool recur(double tyme) override {
        if (timer_.expired()) {
            std::printf("%5.2f  heartbeat\n", tyme);
            timer_.restart();  // lossless: the next beat is one second after this one was due
        }
        return false;
    }

private:
    hio::Tymer timer_;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv, "hello_doist [--virtual]", {}, {"--virtual"}};
    const bool real = !args.flag("--virtual");

    hio::Deck<int> readings;
    Sampler sampler{readings};
    Reporter reporter{readings};
    Heartbeat heartbeat;
    hio::DoDoer group{{}, {&sampler, &reporter, &heartbeat}};

    // Passes every 0.125 s of tyme, paced to the wall clock unless --virtual.
    hio::Doist doist{{.tock = 0.125, .limit = 2.0, .real = real}, {&group}};
    doist.run();

    std::printf("done at tyme %.3f: sampler %s, group %s\n", doist.tyme(),
                sampler.done() ? "finished" : "stopped", group.done() ? "finished" : "closed");
    return 0;
}
