#pragma once
// The entity types the engine's fuzz targets code, and worlds built from fuzzer bytes:
// every field form a game declares (bounded floats in 2D and 3D, an angle, bounded
// integers, a plain byte, a bool, a quaternion), in three types.

#include "fuzz_input.hpp"

#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

namespace tickwire::fuzz {

struct Ship {
    engine::BoundedVec2<engine::FloatRange{-100.0, 100.0, 0.01}> position;
    engine::Angle<10> heading;
    engine::BoundedInt<0, 100> health;
    bool thrusting = false;
    template <class A>
    void serialize(A& a) {
        a(position, heading, health, thrusting);
    }
    friend bool operator==(const Ship&, const Ship&) = default;
};

struct Rock {
    engine::BoundedInt<-1000, 1000> x;
    engine::BoundedInt<-1000, 1000> y;
    std::uint8_t size = 1;
    template <class A>
    void serialize(A& a) {
        a(x, y, size);
    }
    friend bool operator==(const Rock&, const Rock&) = default;
};

struct Body {
    engine::BoundedVec3<engine::FloatRange{-64.0, 64.0, 0.01}> position;
    engine::QuatSmallestThree<11> rotation;
    template <class A>
    void serialize(A& a) {
        a(position, rotation);
    }
    friend bool operator==(const Body&, const Body&) = default;
};

using Codec = engine::SnapshotCodec<Ship, Rock, Body>;
using World = Codec::SnapshotType;

/// Most entities a fuzzed world holds, and the codec's limit in the targets: small, so
/// that packets reaching the limit are within the fuzzer's reach.
inline constexpr std::size_t kMaxEntities = 48;

/// A quantized value from the input, halved until the type accepts it.
template <class Q>
void quantized(Input& in, Q& q) {
    auto v = in.integer<std::uint32_t>();
    while (!q.setQuantized(v)) v >>= 1;
}

/// An entity's state from the input.
inline Codec::State state(Input& in) {
    switch (in.choice(3)) {
        case 0: {
            Ship s;
            quantized(in, s.position.x);
            quantized(in, s.position.y);
            quantized(in, s.heading);
            quantized(in, s.health);
            s.thrusting = (in.byte() & 1) != 0;
            return s;
        }
        case 1: {
            Rock r;
            quantized(in, r.x);
            quantized(in, r.y);
            r.size = in.byte();
            return r;
        }
        default: {
            Body b;
            quantized(in, b.position.x);
            quantized(in, b.position.y);
            quantized(in, b.position.z);
            auto f = [&] { return static_cast<float>(static_cast<std::int16_t>(in.integer<std::uint16_t>())); };
            const float w = f(), x = f(), y = f(), z = f();
            b.rotation.set(w, x, y, z);
            return b;
        }
    }
}

/// A world from the input: a tick, then up to kMaxEntities entities with rising ids.
inline World world(Input& in) {
    World w;
    w.tick = in.integer<std::uint16_t>();
    const std::size_t count = in.choice(kMaxEntities + 1);
    engine::EntityId id = 0;
    for (std::size_t i = 0; i < count; ++i) {
        id += 1 + in.choice(8);
        w.set(id, state(in));
    }
    return w;
}

/// The codec options a target's first byte selects.
inline engine::SnapshotCodecConfig codecConfig(std::uint8_t choice) {
    engine::SnapshotCodecConfig c;
    c.maxEntities = kMaxEntities;
    c.entropyCoding = (choice & 1) == 0;
    c.chainModels = (choice & 2) == 0;
    return c;
}

}  // namespace tickwire::fuzz
