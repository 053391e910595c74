// echo-server: the smallest complete tickwire server. It accepts clients that hold a
// connect token sealed under its key and sends every message back to its sender.
//
//   tickwire-token keygen --out server.key
//   echo-server --port 40000 --key server.key
//
// --port 0 takes a free port; the first line on stdout names it.
//
// Everything a game server does with tickwire is here: configure, create, then own the
// loop (update() + poll()), react to events, send, and shut down cleanly.

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/log.hpp>
#include <tickwire/net/transport.hpp>

#include <CLI/CLI.hpp>
#include <server_options.hpp>
#include <tool_cli.hpp>

#include <csignal>
#include <iostream>
#include <string>

using namespace tickwire::net;

namespace {

// Signal handlers may only set a flag; the loop below notices it within one update().
volatile std::sig_atomic_t stopRequested = 0;
void requestStop(int) { stopRequested = 1; }

int fail(int code, const std::string& message) {
    std::cerr << "echo-server: " << message << '\n';
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Echoes every message back to its sender on the same channel.\n"
                 "Clients need a connect token issued with this server's key that names one of\n"
                 "its public addresses: 127.0.0.1:PORT, or one given with --public.",
                 "echo-server"};
    // --port, --bind, --key and --public: the options every tickwire server takes.
    tickwire::cli::ServerOptions serverOptions;
    serverOptions.addTo(app);
    std::size_t maxClients = 64;
    app.add_option("--max-clients", maxClients, "Clients connected at once")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(1, 4095));
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
    using tickwire::cli::kExitFailed;
    using tickwire::cli::kExitUsage;

    // The server key is the fleet's secret: whoever holds it can issue tokens for every
    // server that shares it. Key::load wants exactly 32 raw bytes.
    const auto listen = serverOptions.resolve();
    if (!listen) return fail(kExitUsage, listen.detail());

    ServerConfig config;
    config.key = listen->key;
    config.maxClients = maxClients;
    config.bind = listen->bind;
    // A token is only accepted if it names one of publicAddresses. Bound to 0.0.0.0 the
    // server cannot know which of its addresses clients use: the first is loopback, and a
    // real deployment adds the address its matchmaker puts in tokens (--public, e.g. the
    // node's external IP). Replies leave from the address the kernel routes them from,
    // and the client only accepts replies from the address it dialled: on a host with
    // several addresses, name the one it answers from.
    config.publicAddresses = listen->publicAddresses;
    // tickwire never prints by itself. The sink runs only inside our own calls (update(),
    // poll(), ...), on this thread, so it needs no locking. The transport logs connects
    // and disconnects (with reasons) at Info.
    config.log = [](LogLevel level, std::string_view line) {
        if (level != LogLevel::Debug) std::cerr << "[" << describe(level) << "] " << line << '\n';
    };

    // create() validates the config (the sink is told which field is wrong) and binds.
    auto server = Server::create(std::move(config));
    if (!server) {
        return fail(kExitFailed, "cannot listen on " + listen->bind.toString() + ": " + server.message());
    }
    std::signal(SIGINT, requestStop);
    std::signal(SIGTERM, requestStop);
    std::cout << "echo-server listening on " << (*server)->address().toString() << std::endl;

    // The game loop. A game calls update(0) once per tick; with nothing else to do we let
    // update() sleep up to 10 ms waiting for traffic (it returns early when some arrives).
    // update() first flushes what send() queued, then receives; messages sent to one
    // client between two updates are coalesced into one encrypted packet.
    while (stopRequested == 0) {
        (*server)->update(10);
        while (auto ev = (*server)->poll()) {
            switch (ev->type) {
                case Event::Type::Connected:
                    // A game creates the player here. ev->client is the handle to send to;
                    // ev->playerId is the player id the backend sealed into the token.
                    break;
                case Event::Type::Disconnected:
                    // ... and removes it here; ev->reason says why. The handle is dead now.
                    break;
                case Event::Type::Message:
                    // The payload is owned by the event and already decrypted and verified:
                    // tampered, replayed and foreign packets never reach poll().
                    if (auto sent = (*server)->send(ev->client, ev->channel, ev->data); !sent) {
                        // QueueFull: this client's send queue is at its limit (a slow
                        // reader). A game would drop or kick; we drop this echo.
                        std::cerr << "[warn] echo to client " << ev->playerId
                                  << " dropped: " << sent.message() << '\n';
                    }
                    break;
            }
        }
    }

    // Tell every client why it is going away (they see DisconnectReason::ServerShutdown)
    // and wait briefly for their acknowledgements.
    (*server)->shutdown(DisconnectReason::ServerShutdown);
    while ((*server)->poll()) {  // the Disconnected events shutdown() queued
    }
    // The counters: traffic, messages, and every rejected handshake and dropped packet
    // by reason. One JSON object, always the last line on stdout.
    std::cout << (*server)->hostStats().toJson() << std::endl;
    return 0;
}
