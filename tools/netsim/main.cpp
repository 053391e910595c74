// tickwire-netsim: a UDP relay that makes a bad network on purpose, for trying a game
// server and its clients under latency, jitter, loss, duplication and reordering.

#include <tickwire/net/link_sim.hpp>

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <limits>
#include <string>

namespace {

volatile std::sig_atomic_t stopRequested = 0;

void onSignal(int) { stopRequested = 1; }

std::string toJson(const tickwire::net::LinkSimStats& s) {
    return "{\"received\":" + std::to_string(s.received) +
           ",\"delivered\":" + std::to_string(s.delivered) +
           ",\"dropped\":" + std::to_string(s.dropped) +
           ",\"duplicated\":" + std::to_string(s.duplicated) +
           ",\"reordered\":" + std::to_string(s.reordered) +
           ",\"overflow\":" + std::to_string(s.overflow) +
           ",\"socket_errors\":" + std::to_string(s.socketErrors) + "}";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace tickwire::net;

    CLI::App app{
        "tickwire-netsim: relays UDP between game clients and a server, adding latency,\n"
        "jitter, loss, duplication and reordering (each direction independently).\n"
        "Clients send to 127.0.0.1:LISTEN (every interface with --bind-any). The same seed\n"
        "and datagram sequence give the same decisions. Stops on SIGINT/SIGTERM and prints\n"
        "the final counters as one JSON object on the last line of stdout.",
        "tickwire-netsim"};
    LinkSimConfig config;
    std::string forward;
    bool bindAny = false;
    unsigned statsInterval = 0;
    // Every limit is checked here, with the option's name, before validate() sees the
    // config (its messages name the config's fields, which a user never typed).
    using tickwire::cli::range;
    app.add_option("--listen", config.listenPort, "UDP port clients send to; 0 takes a free one (printed on start)")
        ->type_name("PORT")->required()->check(tickwire::cli::port(true));
    app.add_option("--forward", forward, "the real server")->type_name("HOST:PORT")->required();
    app.add_option("--latency", config.latencyMs, "one-way delay added to every datagram, 0..10000")
        ->type_name("MS")->check(range(0u, 10000u));
    app.add_option("--jitter", config.jitterMs, "uniform extra delay in [-MS, +MS], 0..--latency")
        ->type_name("MS")->check(range(0u, 10000u));
    app.add_option("--loss", config.lossPct, "chance a datagram is dropped, 0..100")
        ->type_name("PCT")->check(range(0.0, 100.0));
    app.add_option("--duplicate", config.duplicatePct, "chance a datagram is delivered twice, 0..100")
        ->type_name("PCT")->check(range(0.0, 100.0));
    app.add_option("--reorder", config.reorderPct, "chance a datagram is held back behind later ones, 0..100")
        ->type_name("PCT")->check(range(0.0, 100.0));
    app.add_option("--seed", config.seed, "seed of every random decision")
        ->type_name("N")->capture_default_str()
        ->check(range<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max()));
    app.add_flag("--bind-any", bindAny, "listen on every interface instead of 127.0.0.1");
    app.add_option("--stats-interval", statsInterval,
                   "also print the counters as a JSON line every S seconds; 0 = only at exit")
        ->type_name("S")->check(range(0u, 86400u));
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
    using tickwire::cli::kExitFailed;
    using tickwire::cli::kExitUsage;

    auto target = tickwire::cli::parseHostPort("--forward", forward);
    if (!target) {
        std::cerr << "tickwire-netsim: " << target.detail() << '\n';
        return kExitUsage;
    }
    if (target->ipv4 == 0 || target->port == 0) {
        std::cerr << "tickwire-netsim: --forward '" << forward
                  << "': name the server's host and port (not 0.0.0.0, not port 0)\n";
        return kExitUsage;
    }
    if (config.jitterMs > config.latencyMs) {
        std::cerr << "tickwire-netsim: --jitter must be <= --latency (got --jitter " << config.jitterMs << " and --latency "
                  << config.latencyMs << "): a datagram cannot leave before it arrived\n";
        return kExitUsage;
    }
    if (config.listenPort == target->port && (target->ipv4 >> 24) == 127) {
        std::cerr << "tickwire-netsim: --listen and --forward name the same port " << config.listenPort
                  << ": the relay would send to itself\n";
        return kExitUsage;
    }
    config.forward = *target;
    if (auto ok = config.validate(); !ok) {
        std::cerr << "tickwire-netsim: " << ok.detail() << '\n';
        return kExitUsage;
    }
    auto sim = LinkSim::create(config, bindAny);
    if (!sim) {
        std::cerr << "tickwire-netsim: cannot listen on port " << config.listenPort << ": "
                  << sim.message() << '\n';
        return kExitFailed;
    }

    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::cerr << "tickwire-netsim: relaying " << (bindAny ? "0.0.0.0" : "127.0.0.1") << ':'
              << (*sim)->listenAddress().port << " -> " << config.forward.toString() << '\n';

    using Clock = std::chrono::steady_clock;
    auto nextStats = Clock::now() + std::chrono::seconds(statsInterval);
    while (stopRequested == 0) {
        (*sim)->wait(100);
        if (statsInterval > 0 && Clock::now() >= nextStats) {
            nextStats = Clock::now() + std::chrono::seconds(statsInterval);
            std::cout << toJson((*sim)->stats()) << std::endl;
        }
    }
    std::cout << toJson((*sim)->stats()) << std::endl;
    return 0;
}
