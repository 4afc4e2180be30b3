#pragma once
/// \file
/// Umbrella header of the asio component (CMake target hio::asio): hio-cpp and Asio in one
/// program. A Doist that waits in Asio (asio::Context), doers that wait for Asio operations
/// (asio::Completion), a Doist inside an application's io_context (asio::async_run), and TCP
/// and UDP sockets through Asio (asio::Network, asio::DatagramNetwork). See docs/asio.md.

#include <hio/asio/completion.hpp>
#include <hio/asio/context.hpp>
#include <hio/asio/datagrams.hpp>
#include <hio/asio/network.hpp>
#include <hio/asio/run.hpp>
