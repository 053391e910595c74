// echo-client: connects to an echo-server with a connect token and measures round trips.
//
//   tickwire-token issue --key server.key --player-id 1 --server 127.0.0.1:40000
//                        --expires-in 60 --timeout 10 --out client.token
//   echo-client --server 127.0.0.1:40000 --token client.token --count 10000 --size 64
//
// A game client does the same: load the token its backend handed out, connect, then
// call update() + poll() once per frame and send() whenever it has something to say.

#include <tickwire/net/address.hpp>
#include <tickwire/net/log.hpp>
#include <tickwire/net/token.hpp>
#include <tickwire/net/transport.hpp>

#include <CLI/CLI.hpp>
#include <tool_cli.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace tickwire::net;

namespace {

constexpr std::size_t kMaxInFlight = 64;          // messages sent but not yet echoed
constexpr std::uint64_t kLostAfterUs = 1000000;   // unreliable: no echo within 1 s = lost
constexpr std::uint64_t kStallUs = 5000000;       // no progress for 5 s = give up

std::uint64_t nowUs() {
    using namespace std::chrono;
    const auto sinceEpoch = steady_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(duration_cast<microseconds>(sinceEpoch).count());
}

using tickwire::cli::kExitFailed;
using tickwire::cli::kExitUsage;

int fail(int code, const std::string& message) {
    std::cerr << "echo-client: " << message << '\n';
    return code;
}

// Why a Disconnected event happened. A Denied one carries what the server refused.
std::string reasonOf(const Event& ev) {
    std::string text(describe(ev.reason));
    if (ev.denial) text += " (" + std::string(describe(*ev.denial)) + ")";
    return text;
}

double percentileMs(const std::vector<double>& sortedMs, double p) {
    if (sortedMs.empty()) return 0;
    return sortedMs[static_cast<std::size_t>(p * static_cast<double>(sortedMs.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Sends messages to an echo-server and measures their round trips.", "echo-client"};
    std::string serverText, tokenFile;
    std::uint64_t count = 0;
    std::size_t size = 0;
    bool unreliable = false;
    const ChannelLimits limits;  // the defaults, which both ends use here
    app.add_option("--server", serverText, "Which of the token's servers to connect to")
        ->required()->type_name("HOST:PORT");
    app.add_option("--token", tokenFile, "Connect token file (tickwire-token issue)")
        ->required()->type_name("TOKENFILE");
    app.add_option("--count", count, "Messages to send")
        ->required()->type_name("N")->check(tickwire::cli::range<std::uint64_t>(1, 100000000));
    app.add_option("--size", size, "Bytes per message: 16.." + std::to_string(limits.maxReliableMessage) +
                                        ", or 16.." + std::to_string(limits.maxUnreliableMessage) + " unreliable")
        ->required()->type_name("BYTES")->check(tickwire::cli::range<std::size_t>(16, limits.maxReliableMessage));
    app.add_flag("--unreliable", unreliable, "Use the unreliable channel (losses are counted, not resent)");
    app.footer(tickwire::cli::kExitStatus);
    if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;

    auto token = tickwire::cli::loadToken(tokenFile);
    if (!token) return fail(kExitUsage, token.detail());
    // A token lists the servers the backend allows, tried in order. Here the user picks
    // one; the server checks its own copy of the list, sealed in the token's private part.
    auto server = tickwire::cli::parseHostPort("--server", serverText);
    if (!server) return fail(kExitUsage, server.detail());
    if (std::find(token->servers.begin(), token->servers.end(), *server) == token->servers.end()) {
        std::string names;
        for (const Address& a : token->servers) names += " " + a.toString();
        return fail(kExitUsage, "--server: the token is not valid for " + server->toString() + "; it names:" + names);
    }
    token->servers = {*server};

    ClientConfig config;
    config.token = *token;
    config.limits = limits;
    config.log = [](LogLevel level, std::string_view line) {
        if (level != LogLevel::Debug) std::cerr << "[" << describe(level) << "] " << line << '\n';
    };
    // Reliable messages are resent until acknowledged and arrive in order; unreliable ones
    // may be lost (a game sends inputs there, each packet repeating the last few).
    const Channel channel = unreliable ? Channel::Unreliable : Channel::Reliable;
    const std::size_t maxSize = unreliable ? limits.maxUnreliableMessage : limits.maxReliableMessage;
    if (size < 16 || size > maxSize) {
        return fail(kExitUsage, "--size must be 16.." + std::to_string(maxSize) + " on the " +
                    (unreliable ? "unreliable" : "reliable") + " channel, got " + std::to_string(size));
    }
    // Stay well inside the per-connection queue limit (send() fails with QueueFull beyond it).
    const std::size_t window = std::clamp<std::size_t>(limits.maxQueuedBytes / 2 / size, 1, kMaxInFlight);

    auto client = Client::create(std::move(config));
    if (!client) return fail(kExitFailed, "cannot create the client: " + client.message());
    // connect() only starts the handshake (token -> challenge -> ENet connect); it
    // proceeds inside update() and ends in a Connected or a Disconnected event.
    if (auto started = (*client)->connect(); !started) {
        // Expired: the token's time ran out, so not even a datagram was sent.
        return fail(kExitFailed, "could not connect: " + started.message());
    }
    while (!(*client)->connected()) {
        (*client)->update(10);
        while (auto ev = (*client)->poll()) {
            if (ev->type == Event::Type::Disconnected) return fail(kExitFailed, "could not connect: " + reasonOf(*ev));
        }
    }

    // Each message carries its sequence number and send time, so the echo alone tells us
    // the round trip. The bytes are opaque to tickwire and come back from this same
    // process, so host byte order is fine; a game would use a serializer here.
    std::vector<std::uint8_t> message(size, 0x5A);
    std::map<std::uint64_t, std::uint64_t> inFlight;  // sequence -> send time (us), oldest first
    std::vector<double> rttMs;
    std::uint64_t nextSeq = 0, lost = 0;
    const std::uint64_t start = nowUs();
    std::uint64_t lastProgress = start, lastEcho = start;
    while (rttMs.size() + lost < count) {
        while (nextSeq < count && inFlight.size() < window) {
            const std::uint64_t sentAt = nowUs();
            std::memcpy(message.data(), &nextSeq, 8);
            std::memcpy(message.data() + 8, &sentAt, 8);
            if (auto sent = (*client)->send(channel, message); !sent) {
                if (sent.error() == Error::QueueFull) break;  // let update() drain it first
                return fail(kExitFailed, "send failed: " + sent.message());
            }
            inFlight.emplace(nextSeq++, sentAt);
        }
        (*client)->update(1);  // flushes the sends (one sealed packet), then receives
        const std::uint64_t now = nowUs();
        while (auto ev = (*client)->poll()) {
            if (ev->type == Event::Type::Disconnected) return fail(kExitFailed, "disconnected: " + reasonOf(*ev));
            if (ev->type != Event::Type::Message || ev->data.size() != size) continue;
            std::uint64_t seq = 0, sentAt = 0;
            std::memcpy(&seq, ev->data.data(), 8);
            std::memcpy(&sentAt, ev->data.data() + 8, 8);
            // Bytes from the network are checked before use, even authenticated ones.
            const auto it = inFlight.find(seq);
            if (it == inFlight.end() || it->second != sentAt) continue;  // e.g. written off as lost
            inFlight.erase(it);
            rttMs.push_back(static_cast<double>(now - sentAt) / 1000.0);
            lastProgress = lastEcho = now;
        }
        while (unreliable && !inFlight.empty() && now - inFlight.begin()->second > kLostAfterUs) {
            inFlight.erase(inFlight.begin());
            ++lost;
            lastProgress = now;
        }
        if (now - lastProgress > kStallUs) return fail(kExitFailed, "no echo for 5 s; is the server overloaded?");
    }

    // The transport's own view: ENet's smoothed RTT, and how coalescing packed the messages.
    if (auto stats = (*client)->stats()) {
        std::cout << "transport: rtt " << stats->rttMs << " ms (smoothed), " << stats->messagesOut
                  << " messages in " << stats->packetsOut << " sealed packets\n";
    }
    (*client)->disconnect();  // the server sees DisconnectReason::Requested

    std::sort(rttMs.begin(), rttMs.end());
    const double seconds = static_cast<double>(std::max<std::uint64_t>(lastEcho - start, 1)) / 1e6;
    std::cout << "echoed " << rttMs.size() << " of " << count << (unreliable ? " unreliable" : " reliable")
              << " messages of " << size << " bytes (" << lost << " lost)\n"
              << "rtt p50 " << percentileMs(rttMs, 0.50) << " ms, p99 " << percentileMs(rttMs, 0.99) << " ms\n"
              << static_cast<std::uint64_t>(static_cast<double>(rttMs.size()) / seconds) << " messages/s\n";
    return 0;
}
