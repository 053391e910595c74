// The codec's promise for any world a game can build: decode(encode(world)) == world,
// along a chain of three snapshots (a keyframe, then deltas each against the one before,
// with the memory each end kept), range-coded or bit-packed, chained or not. Input: a mode
// byte, then three worlds (engine_types.hpp). Also: the per-entity cost figures cover
// every entity, and a packet cap either holds or is refused.

#include "engine_types.hpp"

#include <optional>

using namespace tickwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const std::uint8_t mode = in.byte();
    const fuzz::Codec codec(fuzz::codecConfig(mode));
    const std::size_t cap = (mode & 4) != 0 ? 16 + in.choice(256) : 0;
    std::vector<fuzz::World> worlds;
    for (int i = 0; i < 3; ++i) worlds.push_back(fuzz::world(in));

    std::shared_ptr<const engine::CodecMemory> sent, received;
    std::optional<fuzz::World> previous;  // as the receiver holds it
    for (std::size_t i = 0; i < worlds.size(); ++i) {
        const fuzz::World& w = worlds[i];
        std::shared_ptr<const engine::CodecMemory> nextSent, nextReceived;
        std::vector<std::uint32_t> bits;
        engine::EncodeOptions eo;
        eo.baselineMemory = previous ? sent.get() : nullptr;
        eo.memory = &nextSent;
        eo.entityBits = &bits;
        eo.maxBytes = cap;
        auto bytes = codec.encode(previous ? &worlds[i - 1] : nullptr, w, eo);
        if (!bytes) {
            if (bytes.error() == engine::Error::MessageTooLarge && cap != 0) return 0;
            fuzz::broken();  // every world built here is one the codec must take
        }
        if (cap != 0 && bytes->size() > cap) fuzz::broken();
        if (bits.size() != w.entities.size()) fuzz::broken();
        engine::DecodeOptions dopt;
        dopt.baselineMemory = previous ? received.get() : nullptr;
        dopt.memory = &nextReceived;
        auto decoded = codec.decode(previous ? &*previous : nullptr, *bytes, dopt);
        if (!decoded || !(*decoded == w)) fuzz::broken();
        previous = std::move(*decoded);
        sent = nextSent;
        received = nextReceived;
    }
    return 0;
}
