#pragma once
/// \file
/// Umbrella header: includes every public header of hio-cpp (CMake target hio::hio) and
/// declares nothing. Programs that need one layer include its umbrella instead: core.hpp,
/// tcp.hpp, tls.hpp or http.hpp.

#include <hio/core.hpp>
#include <hio/http.hpp>
#include <hio/serial.hpp>
#include <hio/sim.hpp>
#include <hio/tcp.hpp>
#include <hio/tls.hpp>
#include <hio/udp.hpp>
#include <hio/uxd.hpp>
