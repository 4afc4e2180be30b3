#pragma once
/// \file
/// Umbrella of the uxd component (CMake target hio::uxd): Unix-domain datagram peers
/// (uxd::Peer, PeerDoer, EchoPeerDoer), on the udp component's datagram sockets.

#include <hio/udp.hpp>
#include <hio/uxd/peer.hpp>
