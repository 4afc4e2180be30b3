// sim/options.hpp: a World's settings refuse bad values by name, and a fault menu prints itself
// as a sweep reports a failing seed.
#include <limits>
#include <string>

#include <hio/sim/options.hpp>
#include <hio/sim/world.hpp>

#include "catch.hpp"

TEST_CASE("Link settings refuse what no link has, naming the field", "[sim][options]") {
    CHECK_NOTHROW(hio::sim::LinkOptions{}.validate());
    CHECK_THROWS_WITH((hio::sim::LinkOptions{.latency = -0.001}.validate()), Catch::Contains("latency"));
    CHECK_THROWS_WITH((hio::sim::LinkOptions{.jitter = std::numeric_limits<double>::quiet_NaN()}.validate()),
                      Catch::Contains("jitter"));
    CHECK_THROWS_WITH((hio::sim::LinkOptions{.split = 1.5}.validate()),
                      Catch::Contains("split must be a probability in [0, 1], got 1.5"));
    CHECK_THROWS_WITH((hio::sim::LinkOptions{.send_window = 0}.validate()), Catch::Contains("send_window"));
    CHECK_THROWS_AS((hio::sim::World{{.link = {.segment = 0}}}), hio::ValidationError);  // checked when made
}

TEST_CASE("A fault menu refuses bad rates and lengths, says whether any fault is on, and prints itself",
          "[sim][options]") {
    const hio::sim::FaultOptions none{};
    CHECK_FALSE(none.any());
    CHECK_NOTHROW(none.validate());
    CHECK(hio::sim::FaultOptions{.crashes = 1}.any());
    CHECK(hio::sim::FaultOptions{.loss = 0.01}.any());
    CHECK_THROWS_WITH((hio::sim::FaultOptions{.reset = -0.1}.validate()), Catch::Contains("sim::FaultOptions: reset"));
    CHECK_THROWS_WITH((hio::sim::FaultOptions{.horizon = -1.0}.validate()), Catch::Contains("horizon"));
    CHECK_THROWS_WITH((hio::sim::FaultOptions{.min_length = 2.0, .max_length = 1.0}.validate()),
                      Catch::Contains("min_length must be <= max_length"));
    CHECK_THROWS_AS((hio::sim::World{{.faults = {.duplicate = 2.0}}}), hio::ValidationError);
    const std::string printed = hio::sim::FaultOptions{.reset = 0.25, .partitions = 3}.describe();
    CHECK(printed.find("reset=0.25") != std::string::npos);
    CHECK(printed.find("partitions=3") != std::string::npos);
    CHECK(printed.find("length=[0.1,1)") != std::string::npos);
}
