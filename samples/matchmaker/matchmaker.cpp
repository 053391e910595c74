// matchmaker: the sample's join service. A player asks to join; the matchmaker picks the
// least loaded server of its pool that has room, issues a connect token for that server
// under the fleet key, and returns it (matchmaker_protocol.hpp). Servers come from --server
// (a static list) or report themselves to the admin endpoint (arena-server
// --matchmaker-admin), with their players, capacity and state; one that is full, shutting
// down or silent is never handed out.
//
//   tickwire-token keygen --out fleet.key
//   head -c 32 /dev/urandom | base64 > admin.secret
//   matchmaker --listen 127.0.0.1:8080 --key fleet.key --admin-secret-file admin.secret
//   arena-server --port 40000 --key fleet.key --matchmaker-admin http://127.0.0.1:8080
//                --matchmaker-secret-file admin.secret     (one line)
//   arena-client --matchmaker http://127.0.0.1:8080 --bots 8
//
// The fleet key never leaves the matchmaker and the servers; tokens travel to players over
// this HTTP connection, so production puts TLS in front of it (docs/DEPLOY.md).

#include "arena_tool.hpp"
#include "matchmaker_protocol.hpp"
#include "tool_cli.hpp"

#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/token.hpp>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace tickwire;
using arena::tool::nowSeconds;

namespace {

using tickwire::cli::kExitFailed;
using tickwire::cli::kExitUsage;

int fail(int code, const std::string& message) {
    std::cerr << "matchmaker: " << message << '\n';
    return code;
}

/// One server of the pool.
struct Entry {
    net::Address address;
    bool listed = false;              // from --server
    bool reported = false;            // has reported at least once
    std::size_t players = 0;          // at its last report
    std::size_t capacity = 0;         // at its last report (0: unknown, a listed server that never reported)
    bool shuttingDown = false;
    double lastReport = 0;
    std::deque<double> issued;        // when tokens for it were issued (the last joinWindow seconds)
};

struct Pool {
    std::mutex mutex;
    std::map<std::string, Entry> servers;  // by address text
    double staleSeconds = 5;
    double joinWindow = 10;  // a token issued this recently may not show in the players yet

    /// The server a new player goes to, counted as issued; nothing when none has room.
    std::optional<net::Address> pick(double now) {
        std::lock_guard lock(mutex);
        Entry* best = nullptr;
        double bestLoad = std::numeric_limits<double>::infinity();
        for (auto& [name, e] : servers) {
            while (!e.issued.empty() && e.issued.front() < now - joinWindow) e.issued.pop_front();
            if (e.shuttingDown) continue;
            if (e.reported && now - e.lastReport > staleSeconds) continue;  // silent: gone or stuck
            if (!e.reported && !e.listed) continue;
            // Tokens issued since the last report have not joined yet when it was made.
            std::size_t pending = 0;
            for (double t : e.issued) pending += t > e.lastReport ? 1 : 0;
            const std::size_t load = e.players + pending;
            if (e.reported && load >= e.capacity) continue;  // full
            const double share = e.capacity > 0 ? static_cast<double>(load) / static_cast<double>(e.capacity)
                                                : static_cast<double>(load);
            if (share < bestLoad) {
                bestLoad = share;
                best = &e;
            }
        }
        if (!best) return std::nullopt;
        best->issued.push_back(now);
        return best->address;
    }
};

void reply(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void error(httplib::Response& res, int status, const std::string& why) { reply(res, status, {{"error", why}}); }

/// An unsigned integer field of `j` in [lo, hi]; nothing when absent or otherwise.
std::optional<std::uint64_t> field(const nlohmann::json& j, const char* name, std::uint64_t lo, std::uint64_t hi) {
    if (!j.contains(name) || !j[name].is_number_unsigned()) return std::nullopt;
    const auto v = j[name].get<std::uint64_t>();
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

/// Compares in a time that does not depend on where the texts differ (only on their length).
bool sameSecret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"The sample matchmaker: hands each player a connect token for a server of the fleet\n"
                 "that has room. Put TLS in front of it in production: the answers carry tokens.",
                 "matchmaker"};
    std::string listenText, keyFile, secretFile;
    std::vector<std::string> serverTexts;
    std::uint32_t tokenSeconds = 60;
    std::uint32_t timeoutSeconds = 10;
    double staleSeconds = 5;
    app.add_option("--listen", listenText, "HTTP address to serve on (PORT 0: one the system picks, printed at start)")
        ->required()->type_name("ADDR:PORT");
    app.add_option("--key", keyFile, "The fleet's server key (tickwire-token keygen)")->required()->type_name("KEYFILE");
    app.add_option("--server", serverTexts, "A server of the pool, reachable by players at HOST:PORT; repeatable")
        ->type_name("HOST:PORT");
    app.add_option("--admin-secret-file", secretFile,
                   "Enables POST /admin/servers (servers reporting themselves) for callers presenting this secret "
                   "as 'Authorization: Bearer ...'")
        ->type_name("FILE");
    app.add_option("--token-seconds", tokenSeconds, "How long an issued token stays valid")
        ->type_name("S")->check(CLI::Range(5, 3600))->capture_default_str();
    app.add_option("--timeout-seconds", timeoutSeconds, "Silence after which client and server drop each other")
        ->type_name("S")->check(CLI::Range(1, 300))->capture_default_str();
    app.add_option("--stale-seconds", staleSeconds, "A reporting server silent this long gets no more players")
        ->type_name("S")->check(CLI::Range(1.0, 3600.0))->capture_default_str();
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;

    const auto listen = net::Address::parse(listenText);
    if (!listen) return fail(kExitUsage, "--listen '" + listenText + "': expected ADDR:PORT (" + listen.message() + ")");
    const auto key = tickwire::cli::loadKey(keyFile);
    if (!key) return fail(kExitUsage, key.detail());
    std::string secret;
    if (!secretFile.empty()) {
        std::ifstream in(secretFile);
        if (!in) return fail(kExitUsage, "cannot read --admin-secret-file '" + secretFile + "'");
        std::getline(in, secret);
        while (!secret.empty() && (secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
        if (secret.size() < 16) return fail(kExitUsage, "the admin secret in '" + secretFile + "' is shorter than 16 characters");
    }
    Pool pool;
    pool.staleSeconds = staleSeconds;
    for (const auto& text : serverTexts) {
        const auto address = net::Address::parse(text);
        if (!address || address->port == 0) return fail(kExitUsage, "--server '" + text + "': expected HOST:PORT");
        auto& e = pool.servers[address->toString()];
        e.address = *address;
        e.listed = true;
    }
    if (pool.servers.empty() && secret.empty()) {
        return fail(kExitUsage, "no servers: give --server HOST:PORT, or --admin-secret-file for servers to report themselves");
    }

    std::mutex logMutex;
    auto log = [&](const std::string& line) {
        std::lock_guard lock(logMutex);
        std::cerr << line << '\n';
    };

    httplib::Server http;
    http.set_payload_max_length(64 * 1024);
    http.set_read_timeout(5, 0);
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        error(res, 500, "internal error");
    });

    http.Post("/join", [&](const httplib::Request& req, httplib::Response& res) {
        const auto j = nlohmann::json::parse(req.body, nullptr, false);
        if (!j.is_object()) return error(res, 400, "expected a JSON object {\"player_id\": N}");
        const auto player = field(j, "player_id", 1, std::uint64_t{1} << 53);
        if (!player) return error(res, 400, "player_id must be an integer in 1..2^53");
        const auto server = pool.pick(nowSeconds());
        if (!server) return error(res, 503, "no server has room");
        net::TokenParams params;
        params.playerId = *player;
        params.servers = {*server};
        params.expiresInSeconds = tokenSeconds;
        params.timeoutSeconds = timeoutSeconds;
        auto token = net::issueToken(*key, params, net::unixNow());
        if (!token) return error(res, 500, "cannot issue a token: " + token.message());
        res.status = 200;
        res.set_content(matchmaker::joinAnswer(server->toString(), *token, tokenSeconds), "application/json");
    });

    auto authorized = [&](const httplib::Request& req, httplib::Response& res) {
        if (secret.empty()) {
            error(res, 403, "the admin endpoint is off (start with --admin-secret-file)");
            return false;
        }
        const std::string header = req.get_header_value("Authorization");
        const std::string prefix = "Bearer ";
        if (header.rfind(prefix, 0) != 0 || !sameSecret(std::string_view(header).substr(prefix.size()), secret)) {
            error(res, 401, "wrong or missing admin secret");
            return false;
        }
        return true;
    };

    http.Post("/admin/servers", [&](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req, res)) return;
        const auto j = nlohmann::json::parse(req.body, nullptr, false);
        if (!j.is_object()) return error(res, 400, "expected a JSON object");
        if (!j.contains("address") || !j["address"].is_string()) return error(res, 400, "address must be \"HOST:PORT\"");
        const auto address = net::Address::parse(j["address"].get<std::string>());
        if (!address || address->port == 0) return error(res, 400, "address must be \"HOST:PORT\"");
        const auto players = field(j, "players", 0, 100000);
        const auto capacity = field(j, "capacity", 1, 100000);
        if (!players || !capacity) return error(res, 400, "players (0..100000) and capacity (1..100000) are required");
        if (!j.contains("state") || !j["state"].is_string()) return error(res, 400, "state must be \"ready\" or \"shutting_down\"");
        const auto state = j["state"].get<std::string>();
        if (state != "ready" && state != "shutting_down") return error(res, 400, "state must be \"ready\" or \"shutting_down\"");
        bool changed = false;
        {
            std::lock_guard lock(pool.mutex);
            if (pool.servers.size() >= 10000 && pool.servers.count(address->toString()) == 0) {
                return error(res, 503, "the pool is full");
            }
            auto& e = pool.servers[address->toString()];
            changed = !e.reported || e.shuttingDown != (state == "shutting_down");
            e.address = *address;
            e.reported = true;
            e.players = *players;
            e.capacity = *capacity;
            e.shuttingDown = state == "shutting_down";
            e.lastReport = nowSeconds();
        }
        if (changed) log("matchmaker: " + address->toString() + " is " + state + " (" + std::to_string(*players) + "/" +
                         std::to_string(*capacity) + " players)");
        reply(res, 200, {{"ok", true}});
    });

    http.Get("/admin/servers", [&](const httplib::Request& req, httplib::Response& res) {
        if (!authorized(req, res)) return;
        nlohmann::json list = nlohmann::json::array();
        const double now = nowSeconds();
        std::lock_guard lock(pool.mutex);
        for (const auto& [name, e] : pool.servers) {
            list.push_back({{"address", name}, {"players", e.players}, {"capacity", e.capacity},
                            {"state", e.shuttingDown ? "shutting_down" : "ready"}, {"reported", e.reported},
                            {"stale", e.reported && now - e.lastReport > pool.staleSeconds},
                            {"recently_issued", e.issued.size()}});
        }
        reply(res, 200, list);
    });

    auto host = listen->toString();
    host = host.substr(0, host.rfind(':'));
    const int port = listen->port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, listen->port) ? listen->port : -1);
    if (port <= 0) return fail(kExitFailed, "cannot listen on " + listenText);
    arena::tool::catchStopSignals();
    std::thread server([&] { http.listen_after_bind(); });
    log("matchmaker listening on http://" + host + ":" + std::to_string(port) + " (" + std::to_string(serverTexts.size()) +
        " listed servers" + (secret.empty() ? "" : ", admin endpoint on") + ")");
    while (arena::tool::stopRequested == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    http.stop();
    server.join();
    log("matchmaker: stopped");
    return 0;
}
