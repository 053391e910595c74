#pragma once
// tickwire-bench snapshot: the snapshot codec on recordings of 901 cubes.

#include <CLI/CLI.hpp>

namespace tickwire::bench {

/// Registers the `snapshot` subcommand (snapshot.cpp): the codec on 901-cube recordings.
void addSnapshotCommand(CLI::App& app, int& exitCode);

}  // namespace tickwire::bench
