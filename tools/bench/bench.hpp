#pragma once
// What every tickwire-bench report shares: the machine it ran on.

#include <string>

namespace tickwire::bench {

/// What a report says about the machine it ran on (Linux /proc; "unknown" elsewhere).
struct MachineInfo {
    unsigned cpus = 0;       ///< online logical CPUs
    std::string cpuModel;    ///< first "model name" of /proc/cpuinfo
    std::string loadAverage; ///< first three fields of /proc/loadavg when the run started
};
/// Defined in main.cpp; read once per run.
[[nodiscard]] MachineInfo machineInfo();

}  // namespace tickwire::bench
