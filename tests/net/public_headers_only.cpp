// Compiled against the public include directory alone: every public header must stand on
// its own and must not drag ENet or libsodium into a game's translation units.
#include <tickwire/net/address.hpp>
#include <tickwire/net/key.hpp>
#include <tickwire/net/link_sim.hpp>
#include <tickwire/net/log.hpp>
#include <tickwire/net/messages.hpp>
#include <tickwire/net/metrics.hpp>
#include <tickwire/net/result.hpp>
#include <tickwire/net/token.hpp>
#include <tickwire/net/transport.hpp>

#ifdef __ENET_ENET_H__
#error "a public tickwire header includes <enet/enet.h>"
#endif
#ifdef sodium_H
#error "a public tickwire header includes <sodium.h>"
#endif

int main() {
    // The handle types are usable without any private header.
    tickwire::net::ConnectionId id{1};
    return id.value == 1 ? 0 : 1;
}
