// tickwire-bench: the engine's benchmarks, one subcommand each. Every subcommand prints
// a human-readable report, or with --json also one JSON object as the last stdout line.
// Figures and how to reproduce them: docs/BENCHMARKS.md.

#include "arena.hpp"
#include "bench.hpp"
#include "snapshot.hpp"
#include "transport.hpp"

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace tickwire::bench {

MachineInfo machineInfo() {
    MachineInfo info;
    info.cpus = std::thread::hardware_concurrency();
    info.cpuModel = "unknown";
    info.loadAverage = "unknown";
    if (std::ifstream cpuinfo("/proc/cpuinfo"); cpuinfo) {
        for (std::string line; std::getline(cpuinfo, line);) {
            if (line.rfind("model name", 0) != 0) continue;
            const auto colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size()) info.cpuModel = line.substr(colon + 2);
            break;
        }
    }
    if (std::ifstream loadavg("/proc/loadavg"); loadavg) {
        std::string a, b, c;
        if (loadavg >> a >> b >> c) info.loadAverage = a + " " + b + " " + c;
    }
    return info;
}

}  // namespace tickwire::bench

int main(int argc, char** argv) {
    CLI::App app{"tickwire-bench: the engine's benchmarks, one subcommand each (figures: docs/BENCHMARKS.md).\n"
                 "Each subcommand prints a table; --json adds one JSON object as the last line.",
                 "tickwire-bench"};
    app.require_subcommand(1);

    int exitCode = 0;
    tickwire::bench::addTransportCommand(app, exitCode);
    tickwire::bench::addSnapshotCommand(app, exitCode);
    tickwire::bench::addArenaCommand(app, exitCode);

    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
    return exitCode;
}
