#pragma once
// tickwire-bench transport: tickwire's transport against raw ENet, on loopback.

#include <CLI/CLI.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace tickwire::bench {

/// Options of `tickwire-bench transport`.
struct TransportOptions {
    double seconds = 2.0;           ///< measured seconds per throughput case
    unsigned ticks = 60;            ///< measured 60 Hz ticks per wire-cost case
    /// Unacknowledged bytes a reliable sender may have outstanding before it backs off.
    /// Two of ENet's 64 KiB reliable windows: enough to keep ENet's window full, small
    /// enough that ENet 1.3.17's per-datagram walk of its outgoing queue stays short.
    std::size_t windowBytes = 128 * 1024;
    std::vector<std::string> only;  ///< run only cases whose name contains one of these
    bool quick = false;             ///< CI smoke run: short cases, same output shape
    bool json = false;              ///< one JSON object as the last stdout line
};

/// Registers the `transport` subcommand. When it runs, its exit status lands in exitCode:
/// 0 when every case ran (targets met or not), 1 when a side failed to connect or a
/// reliable message was lost, duplicated or reordered.
void addTransportCommand(CLI::App& app, int& exitCode);

/// Runs the transport benchmark and prints the report. Returns the exit status.
[[nodiscard]] int runTransport(const TransportOptions& options);

}  // namespace tickwire::bench
