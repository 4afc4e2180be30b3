#pragma once
/// \file
/// Umbrella header: includes every public header of hio-cpp (CMake target hio::hio) and
/// declares nothing. Programs that need one layer include its umbrella instead: core.hpp,
/// tcp.hpp, tls.hpp or http.hpp.

#include <hio/core.hpp>
#include <hio/http.hpp>
#include <hio/sim.hpp>

#if defined(__linux__)  // the epoll sockets, and what sits on them (docs/platforms.md)
#include <hio/serial.hpp>
#include <hio/tcp.hpp>
#include <hio/udp.hpp>
#include <hio/uxd.hpp>
#endif
#if !defined(_WIN32)  // OpenSSL: Debian has no build of it for Windows (docs/platforms.md)
#include <hio/tls.hpp>
#endif
