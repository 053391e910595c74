#include "arena_server_options.hpp"

#include <CLI/CLI.hpp>
#include <server_options.hpp>
#include <tool_cli.hpp>

#include <cstdlib>
#include <iostream>

namespace arena {

std::optional<int> readServerSettings(int argc, char** argv, ServerSettings& o) {
    using tickwire::cli::kExitUsage;
    const auto fail = [](int code, const std::string& message) {
        std::cerr << "arena-server: " << message << '\n';
        return code;
    };
    CLI::App app{"The sample arena's authoritative server.\n"
                 "Players need a connect token issued with this server's key that names one of\n"
                 "its public addresses: 127.0.0.1:PORT, or one given with --public.",
                 "arena-server"};
    o.server.addTo(app);
    app.add_option("--tick-rate", o.tickRate,
                   "Simulation ticks per second. The arena's speeds and timers are counted in ticks "
                   "and written for 60")
        ->type_name("HZ")->check(tickwire::cli::range<std::uint32_t>(10, 240))->capture_default_str();
    app.add_option("--snapshot-rate", o.snapshotRate, "Snapshots per second to each client; must divide --tick-rate")
        ->type_name("HZ")->check(tickwire::cli::range<std::uint32_t>(1, 240))->capture_default_str();
    app.add_option("--max-players", o.maxPlayers, "Players in the arena at once")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(1, 4000))->capture_default_str();
    app.add_option("--spectators", o.spectators, "Spectator connections (viewers, replay capture) on top of the players")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(0, 64))->capture_default_str();
    app.add_option("--budget", o.budget, "Snapshot bytes per second per client")
        ->type_name("BYTES")->check(tickwire::cli::range<std::size_t>(4096, 16 * 1024 * 1024))->capture_default_str();
    app.add_option("--seconds", o.seconds, "Stop after this many seconds (0: run until SIGINT/SIGTERM)")
        ->type_name("S")->check(tickwire::cli::range(0.0, 1e7))->capture_default_str();
    app.add_option("--chain-models", o.chain,
                   "Start each snapshot's coding from what its baseline's taught: on, off, or auto (on up to " +
                       std::to_string(kChainModelsUpTo) + " players)")
        ->type_name("auto|on|off")->check(CLI::IsMember({"auto", "on", "off"}))->capture_default_str();
    app.add_option("--record", o.recordFile,
                   "Record every tick and every match event into this replay file (replaced if it exists); "
                   "a write error stops the recording, not the server")
        ->type_name("FILE");
    app.add_option("--metrics", o.metricsText,
                   "Serve Prometheus metrics over HTTP at http://ADDR:PORT/metrics (PORT 0: one the system picks)")
        ->type_name("ADDR:PORT");
    app.add_flag("--agones", o.agones,
                 "Run as an Agones game server: talk to the SDK sidecar at 127.0.0.1:$AGONES_SDK_HTTP_PORT "
                 "(default 9358); the match starts when allocated, and the server shuts down when it ends");
    app.add_option("--health-period", o.healthPeriod, "With --agones: seconds between health reports from the game loop")
        ->type_name("S")->check(CLI::Range(0.1, 60.0))->capture_default_str();
    auto* adminOption =
        app.add_option("--matchmaker-admin", o.matchmakerUrl,
                       "Report players, capacity and state to the sample matchmaker's admin endpoint at this URL")
            ->type_name("http://HOST:PORT");
    app.add_option("--matchmaker-secret-file", o.matchmakerSecretFile, "The matchmaker's admin secret")
        ->type_name("FILE")->needs(adminOption);
    adminOption->needs("--matchmaker-secret-file");
    app.add_option("--match-seconds", o.matchSeconds, "Length of a match")
        ->type_name("S")->check(CLI::Range(1, 24 * 3600))->capture_default_str();
    app.add_flag("--json", o.json, "At exit, print one JSON object of figures as the last line on stdout");
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return code;

    // What CLI11 cannot check option by option.
    if (o.tickRate % o.snapshotRate != 0) {
        return fail(kExitUsage, "--snapshot-rate " + std::to_string(o.snapshotRate) + " must divide --tick-rate " +
                                    std::to_string(o.tickRate));
    }
    if (o.server.port == 0 && !o.server.publicTexts.empty()) {
        return fail(kExitUsage, "--public needs a fixed --port: the addresses in players' tokens must name the port");
    }
    if (!o.metricsText.empty()) {
        auto parsed = tickwire::net::Address::parse(o.metricsText);
        if (!parsed) {
            return fail(kExitUsage, "--metrics '" + o.metricsText + "': expected ADDR:PORT, e.g. 127.0.0.1:9100 (" +
                                        parsed.message() + ")");
        }
        o.metrics = *parsed;
    }
    if (const char* text = std::getenv("AGONES_SDK_HTTP_PORT"); o.agones && text != nullptr && *text != '\0') {
        const auto parsed = tickwire::net::Address::parse(std::string("127.0.0.1:") + text);
        if (!parsed || parsed->port == 0) {
            return fail(kExitUsage, std::string("AGONES_SDK_HTTP_PORT '") + text + "' is not a port (1..65535)");
        }
        o.agonesPort = parsed->port;
    }
    return std::nullopt;
}

}  // namespace arena
