#pragma once
/// \file
/// Umbrella of the tcp component (CMake target hio::tcp): real TCP sockets (tcp::Network),
/// tcp::Server and its doers, tcp::Client and its doer; includes core.hpp.

#include <hio/core.hpp>

#include <hio/tcp/client.hpp>
#include <hio/tcp/network.hpp>
#include <hio/tcp/server.hpp>
