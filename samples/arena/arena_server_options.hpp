#pragma once
/// \file arena_server_options.hpp
/// arena-server's command line: the options every tickwire server takes
/// (tools/common/server_options.hpp) and the arena's own, read and checked into one struct.

#include "arena_game.hpp"

#include <tickwire/net/address.hpp>

#include <server_options.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace arena {

/// --chain-models auto chains the codec's models up to this many players.
inline constexpr std::size_t kChainModelsUpTo = 128;

/// What arena-server's command line asks for.
struct ServerSettings {
    tickwire::cli::ServerOptions server;  // --port, --bind, --key, --public
    std::uint32_t tickRate = arena::kTickRate;
    std::uint32_t snapshotRate = 30;
    std::size_t maxPlayers = 64;
    std::size_t spectators = 4;
    std::size_t budget = 64 * 1024;
    double seconds = 0;
    bool json = false;
    std::string chain = "auto";
    std::string recordFile;
    std::string metricsText;
    std::optional<tickwire::net::Address> metrics;  // --metrics, parsed
    bool agones = false;
    std::uint16_t agonesPort = 9358;  // the SDK sidecar's; AGONES_SDK_HTTP_PORT overrides it
    double healthPeriod = 2.0;
    std::string matchmakerUrl, matchmakerSecretFile;
    std::uint32_t matchSeconds = arena::kMatchSeconds;
};

/// Reads arena-server's command line into `o`. An exit status when main() should return at
/// once: after --help, or after saying on stderr what is wrong.
[[nodiscard]] std::optional<int> readServerSettings(int argc, char** argv, ServerSettings& o);

}  // namespace arena
