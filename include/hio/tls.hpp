#pragma once
/// \file
/// Umbrella of the tls component (CMake target hio::tls): tls::Config, tls::Context
/// (OpenSSL) and tls::Network, TLS over any Network; includes core.hpp.

#include <hio/core.hpp>

#include <hio/tls/context.hpp>
#include <hio/tls/network.hpp>
#include <hio/tls/seeded_random.hpp>
