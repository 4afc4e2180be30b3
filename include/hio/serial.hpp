#pragma once
/// \file
/// Umbrella of the serial component (CMake target hio::serial): terminals and serial lines as
/// doers: Console (line input and output), ConsoleDoer, EchoConsoleDoer, and the termios
/// Device with DeviceDoer. Needs the core only.

#include <hio/core.hpp>

#include <hio/serial/console.hpp>
#include <hio/serial/device.hpp>
