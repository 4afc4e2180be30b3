#pragma once
/// \file
/// Umbrella header: includes every public header of hio-cpp and declares nothing.

#include <hio/codoer.hpp>
#include <hio/connection.hpp>
#include <hio/deck.hpp>
#include <hio/dodoer.hpp>
#include <hio/doer.hpp>
#include <hio/doist.hpp>
#include <hio/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/server.hpp>
#include <hio/reactor.hpp>
#include <hio/ring_buffer.hpp>
#include <hio/stepper.hpp>
#include <hio/tcp/client.hpp>
#include <hio/tcp/network.hpp>
#include <hio/tcp/server.hpp>
#include <hio/tls/context.hpp>
#include <hio/tls/network.hpp>
#include <hio/transport.hpp>
#include <hio/tymee.hpp>
#include <hio/tymer.hpp>
#include <hio/tymist.hpp>
#include <hio/version.hpp>
#include <hio/waiter.hpp>
