#!/usr/bin/env bash
# Installs the Debian 12 packages hio-cpp needs to build, test and run its
# examples, asking apt-get only for what is missing. Run as root (or with sudo
# available); does nothing when everything is already installed.
set -euo pipefail

packages=(
    cmake make g++ clang            # toolchain: gcc 12 and clang 14 on Debian 12
    libasio-dev libssl-dev          # standalone Asio headers, OpenSSL 3
    node-llhttp                     # llhttp C sources (built into hio::llhttp)
    catch2                          # Catch2 2.13 for the tests
    doxygen                         # the API reference (built, warnings as errors, by the tests)
    openssl curl python3 netcat-openbsd ca-certificates  # real peers used by tests
    nginx-light                     # the reference server of the HTTP differential test
    nlohmann-json3-dev              # the opt-in JSON bodies (hio/http/json.hpp) and their tests
    zlib1g-dev                      # the opt-in gzip compression (hio/http/gzip.hpp) and its tests
    chromium                        # the browser test of examples/web_app (DevTools protocol)
    g++-mingw-w64-x86-64-posix      # the Windows build: MinGW-w64 with posix threads (std::thread)
    libz-mingw-w64-dev              # zlib for it (the opt-in gzip component on Windows)
    wine64                          # runs the Windows tests (Wine 8; its recommends: see below)
)
# Installed with their recommended packages: Wine's libraries (GnuTLS, ...) are recommends of
# libwine, and a Wine without them is not the one the Windows suite was measured on.
with_recommends=(wine64)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if ((EUID != 0)); then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
plain=() recommended=()
for package in "${missing[@]}"; do
    if [[ " ${with_recommends[*]} " == *" $package "* ]]; then
        recommended+=("$package")
    else
        plain+=("$package")
    fi
done
if ((${#plain[@]} > 0)); then
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${plain[@]}"
fi
if ((${#recommended[@]} > 0)); then
    "${sudo[@]}" apt-get install -y -q "${recommended[@]}"
fi
