#pragma once
/// \file
/// Umbrella of the sim component (CMake target hio::sim): the seeded simulated network
/// (World and its rooms: Host, the stream and datagram models, the fault plan), its Trace and
/// determinism check, seed sweeps, and the replay of wire captures. Needs the core only: no
/// Asio, OpenSSL or llhttp.

#include <hio/core.hpp>

#include <hio/io/wire_log.hpp>
#include <hio/sim/calendar.hpp>
#include <hio/sim/datagrams.hpp>
#include <hio/sim/disk.hpp>
#include <hio/sim/fabric.hpp>
#include <hio/sim/faults.hpp>
#include <hio/sim/host.hpp>
#include <hio/sim/listeners.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/pipe.hpp>
#include <hio/sim/replay.hpp>
#include <hio/sim/stream_end.hpp>
#include <hio/sim/streams.hpp>
#include <hio/sim/sweep.hpp>
#include <hio/sim/trace.hpp>
#include <hio/sim/world.hpp>
