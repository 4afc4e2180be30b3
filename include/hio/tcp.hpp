#pragma once
/// \file
/// Umbrella of the tcp component (CMake target hio::tcp): real TCP sockets on Linux's epoll
/// (tcp::Network and its name resolution); includes core.hpp, whose StreamServer and
/// StreamClient run over it.

#include <hio/core.hpp>

#include <hio/tcp/network.hpp>
#include <hio/tcp/resolve.hpp>
#include <hio/tcp/workers.hpp>
