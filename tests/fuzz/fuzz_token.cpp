// The connect token's public part (docs/PROTOCOL.md 1.1), as a client reads a token file
// or a matchmaker's answer: anything parses or fails cleanly, and what parses writes back
// to the same bytes (one encoding per token).

#include "fuzz_input.hpp"

#include <tickwire/net/token.hpp>

using namespace tickwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    const auto token = net::ConnectToken::parse(input);
    if (!token) return 0;
    const auto again = token->serialize();
    if (again.size() != size || !std::equal(again.begin(), again.end(), input.begin())) fuzz::broken();
    if (token->servers.empty() || token->servers.size() > net::kMaxTokenServers) fuzz::broken();
    if (token->clientToServerKey.isZero() || token->serverToClientKey.isZero()) fuzz::broken();
    return 0;
}
