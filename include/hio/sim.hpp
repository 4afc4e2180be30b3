#pragma once
/// \file
/// Umbrella of the sim component (CMake target hio::sim): the seeded simulated network
/// (World, Host, sim::Network), its Trace and determinism check, seed sweeps, and the replay
/// of wire captures. Needs the core only: no Asio, OpenSSL or llhttp.

#include <hio/core.hpp>

#include <hio/io/wire_log.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/replay.hpp>
#include <hio/sim/sweep.hpp>
#include <hio/sim/trace.hpp>
#include <hio/sim/world.hpp>
