#pragma once
/// \file
/// The operating system's headers that more than one hio header needs, included the same way
/// everywhere. On Windows: Winsock 2 before anything includes <windows.h> (which would bring
/// the old winsock.h), without the min/max macros that break std::min, targeting Windows 10.
/// Internal: may change any day.

#if defined(_WIN32)
#ifndef NOMINMAX
#define NOMINMAX  // <windows.h> would define min and max as macros
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00  // Windows 10: what hio and Asio's IOCP backend are tested for
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#endif
