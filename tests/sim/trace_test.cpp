// sim/trace.hpp: one hash for a run, another for any run that differs, and the first step
// where two recorded runs part.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <hio/doer.hpp>
#include <hio/sim/trace.hpp>

#include "catch.hpp"

namespace {

std::span<const std::byte> trace_bytes(std::string_view text) { return std::as_bytes(std::span{text.data(), text.size()}); }

// One small run: a pass, a doer entering and running, a transport moving bytes, an event.
void small_run(hio::sim::Trace& trace, hio::Doer& doer, std::string_view sent, bool swap_order = false) {
    trace.pass(0.0);
    trace.ran(doer, 0.0, true);
    if (swap_order) {
        trace.event("connect");
        trace.moved(1, false, trace_bytes(sent));
    } else {
        trace.moved(1, false, trace_bytes(sent));
        trace.event("connect");
    }
    trace.pass(0.25);
    trace.ran(doer, 0.25, false);
}

}  // namespace

TEST_CASE("The same steps give the same hash, and another byte, order or tyme another", "[sim][trace]") {
    hio::Doer doer;
    hio::sim::Trace a;
    hio::sim::Trace b;
    small_run(a, doer, "hello");
    small_run(b, doer, "hello");
    CHECK(a.hash() == b.hash());
    CHECK(a.hex().size() == 16);
    CHECK(a.passes() == 2);

    hio::sim::Trace other_byte;
    small_run(other_byte, doer, "hellp");
    CHECK(other_byte.hash() != a.hash());
    hio::sim::Trace other_order;
    small_run(other_order, doer, "hello", true);
    CHECK(other_order.hash() != a.hash());
    hio::sim::Trace other_tyme;
    other_tyme.pass(0.0);
    other_tyme.ran(doer, 0.0, true);
    other_tyme.moved(1, false, trace_bytes("hello"));
    other_tyme.event("connect");
    other_tyme.pass(0.5);
    other_tyme.ran(doer, 0.5, false);
    CHECK(other_tyme.hash() != a.hash());

    a.clear();
    CHECK(a.hash() == hio::sim::Trace{}.hash());
    CHECK(a.passes() == 0);
}

TEST_CASE("Two recorded runs are compared step by step and the first difference is named", "[sim][trace]") {
    hio::Doer doer;
    hio::sim::Trace a{true};
    hio::sim::Trace b{true};
    small_run(a, doer, "hello");
    small_run(b, doer, "hello");
    CHECK(hio::sim::Trace::compare(a, b).empty());
    CHECK(a.records().size() == 6);

    hio::sim::Trace c{true};
    small_run(c, doer, "hello", true);
    const std::string where = hio::sim::Trace::compare(a, c);
    CHECK_FALSE(where.empty());
    INFO(where);
    CHECK(where.find("the runs part at step 2, in pass 1") != std::string::npos);
    CHECK(where.find("the first run sent 5 bytes on transport 1") != std::string::npos);
    CHECK(where.find("the second saw \"connect\"") != std::string::npos);

    hio::sim::Trace limited{true, 3};  // records at most 3 steps, hashes all of them
    small_run(limited, doer, "hello");
    CHECK(limited.records().size() == 3);
    CHECK(limited.hash() == b.hash());
}
