#pragma once
/// \file
/// Umbrella of the core component (CMake target hio::core): the scheduler (Doist, Doer,
/// DoDoer, CoDoer, Tymist, Tymer, Deck, ...) and the io layer (RingBuffer, the Transport
/// seam, Connection, StreamServer and StreamClient over any Network, the epoll Reactor).
/// The standard library and the operating system only: no Asio, OpenSSL or llhttp header is
/// reached from here. Builds on Linux and Windows (docs/platforms.md); the Reactor is Linux's.

#include <hio/codoer.hpp>
#include <hio/deck.hpp>
#include <hio/dodoer.hpp>
#include <hio/dodoer_of.hpp>
#include <hio/doer.hpp>
#include <hio/doist.hpp>
#include <hio/doist_of.hpp>
#include <hio/doorbell.hpp>
#include <hio/error.hpp>
#include <hio/filer.hpp>
#include <hio/offload.hpp>
#include <hio/ogler.hpp>
#include <hio/random.hpp>
#include <hio/static_doer.hpp>
#include <hio/stepper.hpp>
#include <hio/thread_deck.hpp>
#include <hio/trace.hpp>
#include <hio/tymee.hpp>
#include <hio/timing.hpp>
#include <hio/tymer.hpp>
#include <hio/tymist.hpp>
#include <hio/version.hpp>
#include <hio/waiter.hpp>

#include <hio/io/connection.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server.hpp>
#include <hio/io/stream_server_doer.hpp>
#include <hio/io/transport.hpp>
#include <hio/io/wire_log.hpp>

#if defined(__linux__)
#include <hio/io/reactor.hpp>  // epoll: Linux only (elsewhere hio::asio::Context is the Waiter)
#endif
