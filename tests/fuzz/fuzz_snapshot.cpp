// Snapshot decoding (engine/src/snapshot_core.cpp), as a client decodes every packet a
// server sends: keyframes, deltas against a baseline, range-coded and bit-packed, chained
// to the baseline's memory or not, and with the wrong memory. Input: a mode byte, the
// worlds A and B (engine_types.hpp), then the packet. B is the baseline; its memory is
// what encoding it against A taught. Properties: decoding never crashes, throws or builds
// more than maxEntities entities; what decodes encodes back and decodes to itself.

#include "engine_types.hpp"

using namespace tickwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const std::uint8_t mode = in.byte();
    const fuzz::Codec codec(fuzz::codecConfig(mode));
    const fuzz::World a = fuzz::world(in);
    const fuzz::World b = fuzz::world(in);
    const auto packet = in.rest();
    (void)fuzz::Codec::peekHeader(packet);

    std::shared_ptr<const engine::CodecMemory> memoryA, memoryB;
    engine::EncodeOptions first;
    first.memory = &memoryA;
    if (!codec.encode(nullptr, a, first)) return 0;
    engine::EncodeOptions second;
    second.baselineMemory = memoryA.get();
    second.memory = &memoryB;
    if (!codec.encode(&a, b, second)) return 0;

    const bool keyframe = (mode & 4) != 0;
    engine::DecodeOptions options;
    options.baselineMemory = (mode & 8) != 0 ? memoryA.get() : memoryB.get();
    std::shared_ptr<const engine::CodecMemory> memoryC;
    options.memory = &memoryC;
    auto decoded = codec.decode(keyframe ? nullptr : &b, packet, options);
    if (!decoded) return 0;
    if (decoded->entities.size() > fuzz::kMaxEntities) fuzz::broken();

    // What decoded is a world the codec must carry exactly, against the same baseline.
    engine::EncodeOptions again;
    again.baselineMemory = memoryB.get();
    auto bytes = codec.encode(keyframe ? nullptr : &b, *decoded, again);
    if (!bytes) fuzz::broken();
    engine::DecodeOptions back;
    back.baselineMemory = memoryB.get();
    auto twice = codec.decode(keyframe ? nullptr : &b, *bytes, back);
    if (!twice || !(*twice == *decoded)) fuzz::broken();
    return 0;
}
