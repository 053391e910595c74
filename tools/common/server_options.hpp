#pragma once
/// \file server_options.hpp
/// The options every tickwire server program takes the same way: where it listens (--port,
/// --bind), the fleet's key (--key) and the addresses players' tokens may name (--public);
/// and what they come to, checked, for net::ServerConfig.
///
///     tickwire::cli::ServerOptions server;
///     server.addTo(app);
///     if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
///     const auto listen = server.resolve();
///     if (!listen) { std::cerr << "echo-server: " << listen.detail() << '\n'; return tickwire::cli::kExitUsage; }
///
/// Header-only; needs CLI11 and tickwire-net. Not part of the libraries.

#include "tool_cli.hpp"

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/result.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tickwire::cli {

/// Where a server listens and which addresses its tokens may name, checked.
struct ServerListen {
    net::Key key;       ///< the fleet's server key (--key)
    net::Address bind;  ///< --bind and --port; port 0: the system picks one
    /// First the address a local player dials (127.0.0.1 when bound to 0.0.0.0, else the
    /// bound address; port 0 stands for the port the server is given), then every --public.
    std::vector<net::Address> publicAddresses;
};

/// --port, --bind, --key and --public as typed on the command line.
struct ServerOptions {
    std::uint16_t port = 0;
    std::string bind = "0.0.0.0";
    std::string keyFile;
    std::vector<std::string> publicTexts;

    /// Adds the four options to `app`; --port and --key are required.
    void addTo(CLI::App& app) {
        app.add_option("--port", port, "UDP port to listen on; 0 takes a free one (printed on start)")
            ->required()->type_name("PORT")->check(tickwire::cli::port(true));
        app.add_option("--bind", bind, "Local address to listen on: 0.0.0.0 every interface, 127.0.0.1 loopback only")
            ->type_name("ADDR")->capture_default_str();
        app.add_option("--key", keyFile, "Server key file (tickwire-token keygen)")->required()->type_name("KEYFILE");
        app.add_option("--public", publicTexts, "Another address clients reach this server at; repeatable")
            ->type_name("HOST:PORT");
    }

    /// The key, the bind address and the public addresses. Failures: those of parseBind,
    /// loadKey and parseHostPort, each with the sentence to print.
    [[nodiscard]] net::Result<ServerListen> resolve() const {
        const auto ip = parseBind(bind);
        if (!ip) return net::fail(ip.failure());
        auto key = loadKey(keyFile);
        if (!key) return net::fail(key.failure());
        ServerListen listen;
        listen.key = *key;
        listen.bind = net::Address{*ip, port};
        // Bound to every interface the server cannot know which address a local player
        // dials; loopback is the one that always works.
        listen.publicAddresses.push_back(*ip == 0 ? net::Address::loopback(port) : listen.bind);
        for (const std::string& text : publicTexts) {
            auto address = parseHostPort("--public", text);
            if (!address) return net::fail(address.failure());
            listen.publicAddresses.push_back(*address);
        }
        return listen;
    }
};

}  // namespace tickwire::cli
