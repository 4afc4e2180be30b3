#pragma once
/// \file
/// Umbrella of the udp component (CMake target hio::udp): UDP peers over IPv4 and IPv6
/// (udp::Peer, PeerDoer, EchoPeerDoer) on real datagram sockets (udp::Network). Needs the
/// core only.

#include <hio/core.hpp>

#include <hio/io/datagram.hpp>
#include <hio/io/datagram_peer.hpp>
#include <hio/udp/network.hpp>
#include <hio/udp/peer.hpp>
