#pragma once
// tickwire-bench arena: arena-server under N bots of arena-client, as child processes.

#include <CLI/CLI.hpp>

namespace tickwire::bench {

/// Registers the `arena` subcommand (arena.cpp): arena-server under N bots of arena-client,
/// run as child processes on this machine. Its exit status lands in exitCode: 0 when the
/// run completed (figures reported, never asserted), 1 when a process failed or a bot
/// never joined.
void addArenaCommand(CLI::App& app, int& exitCode);

}  // namespace tickwire::bench
