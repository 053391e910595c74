// Sealed datagrams (docs/PROTOCOL.md 4.2) as the receive intercept sees them: raw bytes
// from anyone, and datagrams the fuzzer fills and the other end seals with the right
// keys, so that what is behind the tag is reached too. Properties: what one end seals,
// the other opens once, intact; a second time it is a replay; anything else is refused
// with a reason and never crashes.

#include "fuzz_input.hpp"
#include "sealed_datagram.hpp"

#include <cstring>

using namespace tickwire;
using namespace tickwire::net::detail;

namespace {

net::Key fixedKey(std::uint8_t seed) {
    std::array<std::uint8_t, net::Key::kSize> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(seed + i);
    return *net::Key::fromBytes(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const net::Key c2s = fixedKey(1), s2c = fixedKey(101);
    SealedLink client(SessionKeys{c2s, s2c, 7});
    SealedLink server(SessionKeys{s2c, c2s, 7});

    for (int step = 0; step < 32 && !in.empty(); ++step) {
        if (in.byte() & 1) {  // raw bytes, as anyone may send them
            auto datagram = in.bytes(kMaxDatagram + 8);
            DatagramHeader header;
            (void)openDatagram(server, datagram, header);
            continue;
        }
        // An ENet datagram of the fuzzer's making, sealed by the client.
        const bool sentTime = in.byte() & 1;
        const std::uint16_t peer = in.integer<std::uint16_t>() & 0x0FFF;
        const std::uint16_t field = static_cast<std::uint16_t>(peer | (sentTime ? 0x8000 : 0) | ((in.byte() & 3) << 12));
        const std::size_t headerSize = (sentTime ? 4 : 2) + kSlotSize;
        const auto commands = in.bytes(kEnetMtu - headerSize);
        std::vector<std::uint8_t> datagram(headerSize + commands.size() + kTagSize);
        datagram[0] = static_cast<std::uint8_t>(field >> 8);
        datagram[1] = static_cast<std::uint8_t>(field);
        if (!commands.empty()) std::memcpy(datagram.data() + headerSize, commands.data(), commands.size());
        client.seal(datagram, headerSize);
        const auto copy = datagram;
        DatagramHeader header;
        if (openDatagram(server, datagram, header).has_value()) fuzz::broken();
        if (header.size != headerSize || header.peerId != peer) fuzz::broken();
        if (!std::equal(commands.begin(), commands.end(), datagram.begin() + static_cast<std::ptrdiff_t>(headerSize))) {
            fuzz::broken();
        }
        (void)connectIdOfConnect(std::span(datagram).subspan(headerSize, commands.size()));
        auto again = copy;
        if (openDatagram(server, again, header) != net::Drop::Replayed) fuzz::broken();
        if (in.byte() < 32) {  // one flipped bit anywhere: refused
            auto flipped = copy;
            flipped[in.choice(flipped.size())] ^= static_cast<std::uint8_t>(1u << in.choice(8));
            SealedLink fresh(SessionKeys{s2c, c2s, 7});
            if (!openDatagram(fresh, flipped, header).has_value()) fuzz::broken();
        }
    }
    return 0;
}
