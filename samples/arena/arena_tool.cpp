#include "arena_tool.hpp"

#include <chrono>
#include <random>

namespace arena::tool {

double nowSeconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void catchStopSignals() {
    std::signal(SIGINT, [](int) { stopRequested = 1; });
    std::signal(SIGTERM, [](int) { stopRequested = 1; });
}

std::uint64_t randomPlayerId() {
    std::random_device rd;
    return 1 + (static_cast<std::uint64_t>(rd()) % 0x7FFF0000u);
}

tickwire::net::Result<tickwire::net::ConnectToken> devToken(const tickwire::net::Key& key, const tickwire::net::Address& server,
                                                           std::uint64_t playerId) {
    tickwire::net::TokenParams p;
    p.playerId = playerId;
    p.servers = {server};
    p.expiresInSeconds = 120;
    p.timeoutSeconds = 10;
    return tickwire::net::issueToken(key, p, tickwire::net::unixNow());
}

}  // namespace arena::tool
