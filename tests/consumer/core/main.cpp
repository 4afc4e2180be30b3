// A consumer of hio's core component: one doer, three recurs, then done.
#include <hio/core.hpp>

#include <cstdio>

namespace {

class Three : public hio::Doer {
public:
    int count = 0;

protected:
    bool recur(double) override { return ++count == 3; }
};

}  // namespace

int main() {
    Three three;
    hio::Doist doist{{.tock = 0.125, .limit = 1.0}, {&three}};
    doist.run();
    if (!doist.done() || three.count != 3) {
        std::fprintf(stderr, "consumer: expected done after 3 recurs, got %d\n", three.count);
        return 1;
    }
    std::printf("consumer: ok, hio %s, tyme %g\n", hio::version_string, doist.tyme());
    return 0;
}
