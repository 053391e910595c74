#include <tickwire/engine/bit_stream.hpp>
#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <random>

using namespace tickwire::engine;

namespace {

struct Ship {
    BoundedVec2<FloatRange{-100.0, 100.0, 0.01}> position;
    Angle<10> heading;
    BoundedInt<0, 100> health;
    bool thrusting = false;
    template <class A>
    void serialize(A& a) {
        a(position, heading, health, thrusting);
    }
    friend bool operator==(const Ship&, const Ship&) = default;
};

struct Rock {
    BoundedInt<-1000, 1000> x;
    BoundedInt<-1000, 1000> y;
    std::uint8_t size = 1;
    template <class A>
    void serialize(A& a) {
        a(x, y, size);
    }
    friend bool operator==(const Rock&, const Rock&) = default;
};

using Codec = SnapshotCodec<Ship, Rock>;
using World = Codec::SnapshotType;

Ship randomShip(std::mt19937_64& rng) {
    std::uniform_real_distribution<double> pos(-100.0, 100.0);
    std::uniform_real_distribution<double> angle(-3.14, 3.14);
    Ship s;
    s.position.x.set(pos(rng));
    s.position.y.set(pos(rng));
    s.heading.set(angle(rng));
    s.health.set(static_cast<std::int64_t>(rng() % 101));
    s.thrusting = (rng() & 1) != 0;
    return s;
}

Rock randomRock(std::mt19937_64& rng) {
    Rock r;
    r.x.set(static_cast<std::int64_t>(rng() % 2001) - 1000);
    r.y.set(static_cast<std::int64_t>(rng() % 2001) - 1000);
    r.size = static_cast<std::uint8_t>(rng());
    return r;
}

/// One step of a changing world: some entities move a little, some jump, some die, some
/// are born, a few change type.
World evolve(const World& world, std::mt19937_64& rng, std::uint32_t tick) {
    World next = world;
    next.tick = tick;
    for (auto& e : next.entities) {
        const auto roll = rng() % 100;
        if (roll < 40) continue;
        if (auto* ship = std::get_if<Ship>(&e.state)) {
            if (roll < 90) {
                ship->position.x.setQuantized(std::min<std::uint64_t>(ship->position.x.quantized() + rng() % 7, decltype(ship->position.x)::kMaxQuantized));
                ship->heading.set(ship->heading.get() + 0.05);
            } else {
                *ship = randomShip(rng);
            }
        } else if (auto* rock = std::get_if<Rock>(&e.state)) {
            rock->x.set(rock->x.get() + static_cast<std::int64_t>(rng() % 5) - 2);
            if (roll > 95) rock->size = static_cast<std::uint8_t>(rng());
        }
    }
    for (int i = 0; i < 3; ++i) {
        if (!next.entities.empty() && rng() % 3 == 0) {
            next.entities.erase(next.entities.begin() + static_cast<std::ptrdiff_t>(rng() % next.entities.size()));
        }
        const auto id = static_cast<EntityId>(rng() % 5000);
        if (rng() % 2) next.set(id, randomShip(rng));
        else next.set(id, randomRock(rng));
    }
    return next;
}

World randomWorld(std::mt19937_64& rng, std::size_t count) {
    World w;
    for (std::size_t i = 0; i < count; ++i) {
        const auto id = static_cast<EntityId>(rng() % 100000);
        if (rng() % 2) w.set(id, randomShip(rng));
        else w.set(id, randomRock(rng));
    }
    return w;
}

}  // namespace

TEST_CASE("random worlds with adds, removes and changes round-trip exactly over long sequences") {
    for (bool entropy : {true, false}) {
        Codec codec({.maxEntities = 4096, .entropyCoding = entropy});
        std::mt19937_64 rng(entropy ? 11 : 12);
        std::vector<World> history{randomWorld(rng, 200)};
        for (std::uint32_t tick = 1; tick <= 400; ++tick) {
            history.push_back(evolve(history.back(), rng, tick));
            // The client acknowledged some snapshot a few ticks back (or none: a keyframe).
            const std::size_t back = rng() % 8;
            const World* baseline = (back == 7 || back >= history.size() - 1) ? nullptr
                                                                               : &history[history.size() - 2 - back];
            const auto bytes = codec.encode(baseline, history.back());
            REQUIRE(bytes);
            const auto decoded = codec.decode(baseline, *bytes);
            REQUIRE(decoded);
            REQUIRE(*decoded == history.back());
        }
    }
}

TEST_CASE("with chainModels off every packet starts fresh: it round-trips, says so, and leaves no memory") {
    Codec chained;
    Codec fresh({.chainModels = false});
    std::mt19937_64 rng(21);
    std::shared_ptr<const CodecMemory> memory;
    World base = *chained.decode(nullptr, *chained.encode(nullptr, randomWorld(rng, 120)), {.memory = &memory});
    REQUIRE(memory);  // a baseline with a memory
    for (std::uint32_t tick = base.tick + 1; tick < base.tick + 40; ++tick) {
        const World next = evolve(base, rng, tick);
        std::shared_ptr<const CodecMemory> learned;
        const auto bytes = fresh.encode(&base, next, {.baselineMemory = memory.get(), .memory = &learned});
        REQUIRE(bytes);
        CHECK_FALSE(learned);
        const auto header = Codec::peekHeader(*bytes);
        REQUIRE(header);
        CHECK_FALSE(header->chained);
        const auto decoded = chained.decode(&base, *bytes, {.baselineMemory = memory.get()});  // follows the header
        REQUIRE(decoded);
        CHECK(*decoded == next);
    }
}

TEST_CASE("a keyframe decodes without a baseline and a delta only with its own") {
    Codec codec;
    std::mt19937_64 rng(3);
    const World base = randomWorld(rng, 50);
    World next = evolve(base, rng, base.tick + 2);
    const auto key = codec.encode(nullptr, next);
    REQUIRE(key);
    CHECK(*codec.decode(nullptr, *key) == next);
    CHECK(*codec.decode(&base, *key) == next);  // a keyframe ignores any baseline

    const auto delta = codec.encode(&base, next);
    REQUIRE(delta);
    CHECK(delta->size() < key->size());
    CHECK(codec.decode(nullptr, *delta).error() == Error::WrongBaseline);
    World otherTick = base;
    otherTick.tick += 1;
    CHECK(codec.decode(&otherTick, *delta).error() == Error::WrongBaseline);
    World otherContent = base;
    std::get_if<Rock>(&otherContent.entities.front().state) ? void(std::get<Rock>(otherContent.entities.front().state).size ^= 1)
                                                           : void(std::get<Ship>(otherContent.entities.front().state).thrusting ^= true);
    CHECK(codec.decode(&otherContent, *delta).error() == Error::WrongBaseline);

    const auto header = Codec::peekHeader(*delta);
    REQUIRE(header);
    CHECK_FALSE(header->keyframe);
    CHECK(header->tick == next.tick);
    CHECK(header->baselineTick == base.tick);
}

TEST_CASE("a header whose tick or baseline age has a shorter varint form is Malformed") {
    Codec codec;
    std::mt19937_64 rng(4);
    World world = randomWorld(rng, 3);
    world.tick = 5;
    const auto key = codec.encode(nullptr, world);
    REQUIRE(key);
    const std::uint8_t keyFlags = (*key)[0];
    CHECK(Codec::peekHeader(std::vector<std::uint8_t>{keyFlags, 0x05})->tick == 5);
    CHECK(Codec::peekHeader(std::vector<std::uint8_t>{keyFlags, 0x85, 0x00}).error() == Error::Malformed);

    World next = world;
    next.tick = 7;
    const auto delta = codec.encode(&world, next);
    REQUIRE(delta);
    const std::uint8_t deltaFlags = (*delta)[0];
    const auto age = Codec::peekHeader(std::vector<std::uint8_t>{deltaFlags, 0x07, 0x02, 0x34, 0x12});
    REQUIRE(age);
    CHECK(age->baselineTick == 5);
    CHECK(age->baselineHash == 0x1234);
    CHECK(Codec::peekHeader(std::vector<std::uint8_t>{deltaFlags, 0x07, 0x82, 0x00, 0x34, 0x12}).error() ==
          Error::Malformed);
}

TEST_CASE("an unchanged world costs almost nothing against its baseline") {
    Codec codec;
    std::mt19937_64 rng(5);
    World base = randomWorld(rng, 1000);
    World same = base;
    same.tick = base.tick + 6;
    const auto bytes = codec.encode(&base, same);
    REQUIRE(bytes);
    CHECK(bytes->size() < 16);
    CHECK(*codec.decode(&base, *bytes) == same);
}

TEST_CASE("every truncation of a valid packet decodes to an error or a valid snapshot") {
    for (bool entropy : {true, false}) {
        Codec codec({.maxEntities = 4096, .entropyCoding = entropy});
        std::mt19937_64 rng(7);
        const World base = randomWorld(rng, 100);
        const World next = evolve(base, rng, base.tick + 3);
        for (const World* baseline : {static_cast<const World*>(nullptr), &base}) {
            const auto bytes = codec.encode(baseline, next);
            REQUIRE(bytes);
            for (std::size_t n = 0; n < bytes->size(); ++n) {
                const auto r = codec.decode(baseline, std::span(bytes->data(), n));
                if (r) CHECK(r->entities.size() <= codec.config().maxEntities);
            }
        }
    }
}

TEST_CASE("random and mutated bytes never crash the decoder or exceed the entity limit") {
    Codec codec({.maxEntities = 300, .entropyCoding = true});
    Codec packed({.maxEntities = 300, .entropyCoding = false});
    std::mt19937_64 rng(9);
    const World base = randomWorld(rng, 100);
    const World next = evolve(base, rng, base.tick + 1);
    const auto valid = *codec.encode(&base, next);
    std::size_t decodedOk = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<std::uint8_t> bytes;
        if (i % 2 == 0) {
            bytes.resize(rng() % 200);
            for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
            if (!bytes.empty() && i % 4 == 0) bytes[0] = static_cast<std::uint8_t>((detail::kSnapshotVersion << 4) | 0x3);  // a plausible header byte
        } else {
            bytes = valid;
            bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        }
        for (const Codec* c : {&codec, &packed}) {
            const auto r = c->decode(&base, bytes);
            if (r) {
                ++decodedOk;
                CHECK(r->entities.size() <= 300);
            }
        }
    }
    CHECK(decodedOk < 6000);
}

TEST_CASE("a packet with more entities than the decoder allows is refused") {
    Codec big({.maxEntities = 4096, .entropyCoding = true});
    Codec small({.maxEntities = 10, .entropyCoding = true});
    std::mt19937_64 rng(13);
    const World world = randomWorld(rng, 50);
    const auto bytes = big.encode(nullptr, world);
    REQUIRE(bytes);
    CHECK(small.decode(nullptr, *bytes).error() == Error::LimitExceeded);
    CHECK(small.encode(nullptr, world).error() == Error::InvalidArgument);
}

TEST_CASE("an addition count that would wrap the entity limit is refused before anything is built") {
    // A bit-packed delta keeping both entities of its baseline, whose count of additions
    // is the largest the format can say (2^64 - 2): added to the two kept entities it wraps
    // to 0, which once passed the limit check and decoded entities until the bytes ran out.
    Codec codec({.maxEntities = 8, .entropyCoding = false, .chainModels = false});
    World base;
    base.tick = 10;
    base.set(1, Rock{});
    base.set(2, Rock{});
    World same = base;
    same.tick = 11;
    std::vector<std::uint32_t> bits;
    const auto packet = codec.encode(&base, same, {.entityBits = &bits});
    REQUIRE(packet);
    const auto header = Codec::peekHeader(*packet);
    REQUIRE(header);
    // Bit-packed: every decision is one bit, least significant first; the kept entities'
    // bits come first, then the count.
    std::size_t kept = 0;
    for (const auto b : bits) kept += b;
    BitWriter body;
    BitReader original{std::span<const std::uint8_t>(*packet).subspan(header->headerBytes)};
    for (std::size_t i = 0; i < kept; ++i) body.write(*original.read(1), 1);
    for (int i = 0; i < 63; ++i) body.write(1, 1);  // the count's width: 64 bits
    body.write((std::uint64_t{1} << 63) - 1, 63);     // its value: 2^64 - 2
    for (int i = 0; i < 64; ++i) body.write(0, 8);     // then entities made of zeros
    std::vector<std::uint8_t> hostile(packet->begin(), packet->begin() + static_cast<std::ptrdiff_t>(header->headerBytes));
    const auto tail = body.finish();
    hostile.insert(hostile.end(), tail.begin(), tail.end());
    const auto decoded = codec.decode(&base, hostile);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error() == Error::LimitExceeded);
}

TEST_CASE("entities out of id order are refused by the encoder") {
    Codec codec;
    World w;
    w.entities.push_back({5, Rock{}});
    w.entities.push_back({3, Rock{}});
    CHECK(codec.encode(nullptr, w).error() == Error::InvalidArgument);
}

TEST_CASE("an entity that changes type under the same id round-trips") {
    Codec codec;
    World a;
    a.tick = 1;
    a.set(7, Ship{});
    a.set(9, Rock{});
    World b = a;
    b.tick = 2;
    b.set(7, Rock{});
    const auto bytes = codec.encode(&a, b);
    REQUIRE(bytes);
    CHECK(*codec.decode(&a, *bytes) == b);
}

namespace {

struct Mover {
    BoundedInt<0, 1000000> x;
    BoundedInt<-100, 100> velocity;
    template <class A>
    void serialize(A& a) {
        a(x, velocity);
    }
};

/// A body as a game declares it for physics: quantized position and rotation, nothing else.
struct Body {
    BoundedVec3<FloatRange{-64.0, 64.0, 0.01}> position;
    QuatSmallestThree<11> rotation;
    template <class A>
    void serialize(A& a) {
        a(position, rotation);
    }
    friend bool operator==(const Body&, const Body&) = default;
};

/// Bodies moving at constant velocity and spinning at a constant rate, at time t seconds.
Snapshot<Body> bodiesAt(double t, std::uint32_t tick, std::size_t count) {
    Snapshot<Body> s;
    s.tick = tick;
    std::mt19937_64 rng(77);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (EntityId id = 0; id < count; ++id) {
        const double px = 20 * u(rng), py = 20 * u(rng), pz = 20 * u(rng);
        const double vx = 3 * u(rng), vy = 3 * u(rng), vz = 3 * u(rng);
        double ax = u(rng), ay = u(rng), az = u(rng);
        const double n = std::sqrt(ax * ax + ay * ay + az * az) + 1e-9;
        ax /= n, ay /= n, az /= n;
        const double spin = 2.0 * u(rng) * t + 3 * u(rng);
        Body b;
        b.position.x.set(px + vx * t);
        b.position.y.set(py + vy * t);
        b.position.z.set(pz + vz * t);
        const double sh = std::sin(spin / 2);
        b.rotation.set(static_cast<float>(std::cos(spin / 2)), static_cast<float>(ax * sh), static_cast<float>(ay * sh),
                       static_cast<float>(az * sh));
        s.set(id, b);
    }
    return s;
}

}  // namespace

TEST_CASE("motion is predicted from the history of acknowledged baselines, with no game code") {
    SnapshotCodec<Body> codec;
    using Memory = std::shared_ptr<const CodecMemory>;
    std::vector<Snapshot<Body>> sent;
    std::vector<Memory> sentMemory;
    std::vector<Snapshot<Body>> received;
    std::vector<Memory> receivedMemory;
    std::size_t firstDelta = 0;
    std::size_t lastDelta = 0;
    std::size_t unchained = 0;
    for (std::uint32_t i = 0; i < 12; ++i) {
        const auto world = bodiesAt(i * 0.1, 6 * i, 300);
        Memory mine, theirs;
        const bool key = i == 0;
        const auto bytes = codec.encode(key ? nullptr : &sent.back(), world,
                                        {.baselineMemory = key ? nullptr : sentMemory.back().get(), .memory = &mine});
        REQUIRE(bytes);
        const auto decoded = codec.decode(key ? nullptr : &received.back(), *bytes,
                                          {.baselineMemory = key ? nullptr : receivedMemory.back().get(),
                                           .memory = &theirs});
        REQUIRE(decoded);
        REQUIRE(*decoded == world);
        if (i == 1) firstDelta = bytes->size();
        if (i == 11) {
            lastDelta = bytes->size();
            unchained = codec.encode(&sent.back(), world)->size();
        }
        sent.push_back(world);
        sentMemory.push_back(mine);
        received.push_back(*decoded);
        receivedMemory.push_back(theirs);
    }
    // With two baselines of history a body moving steadily costs a fraction of what its
    // first delta did, and of what the same delta costs with nothing remembered.
    CHECK(lastDelta * 3 < firstDelta);
    CHECK(lastDelta * 3 < unchained);
}

TEST_CASE("a rotation whose largest component changes round-trips, predicted or not") {
    SnapshotCodec<Body> codec;
    Snapshot<Body> a, b, c;
    a.tick = 1;
    b.tick = 2;
    c.tick = 3;
    // Spin about z through 90 degrees: w stops being the largest component.
    for (EntityId id = 0; id < 64; ++id) {
        for (auto* s : {&a, &b, &c}) {
            const double angle = (static_cast<double>(s->tick) - 2.0) * 0.08 + std::numbers::pi / 2 + id * 0.001;
            Body body;
            body.rotation.set(static_cast<float>(std::cos(angle / 2)), 0.0f, 0.0f, static_cast<float>(std::sin(angle / 2)));
            s->set(id, body);
        }
    }
    REQUIRE(a.entities[0].state != c.entities[0].state);
    std::shared_ptr<const CodecMemory> ma, mb, da, db;
    const auto k = codec.encode(nullptr, a, {.memory = &ma});
    const auto ra = codec.decode(nullptr, *k, {.memory = &da});
    REQUIRE(ra);
    const auto d1 = codec.encode(&a, b, {.baselineMemory = ma.get(), .memory = &mb});
    const auto rb = codec.decode(&*ra, *d1, {.baselineMemory = da.get(), .memory = &db});
    REQUIRE(rb);
    CHECK(*rb == b);
    const auto d2 = codec.encode(&b, c, {.baselineMemory = mb.get()});
    const auto rc = codec.decode(&*rb, *d2, {.baselineMemory = db.get()});
    REQUIRE(rc);
    CHECK(*rc == c);
}

TEST_CASE("a packet can be capped in size, and the codec says what each entity cost") {
    Codec codec;
    std::mt19937_64 rng(41);
    const World base = randomWorld(rng, 200);
    const World next = evolve(base, rng, base.tick + 1);
    std::vector<std::uint32_t> bits;
    const auto full = codec.encode(&base, next, {.entityBits = &bits});
    REQUIRE(full);
    REQUIRE(bits.size() == next.entities.size());
    std::uint64_t total = 0;
    for (auto b : bits) {
        CHECK(b >= 1);
        total += b;
    }
    // The estimates add up to the packet, within the header and the coder's rounding (up
    // to a bit per entity, each figure being rounded up).
    const std::size_t slack = 24 + next.entities.size() / 8;
    CHECK(total / 8 <= full->size() + slack);
    CHECK(total / 8 + slack >= full->size());
    CHECK(codec.encode(&base, next, {.maxBytes = full->size()}).has_value());
    CHECK(codec.encode(&base, next, {.maxBytes = full->size() - 1}).error() == Error::MessageTooLarge);
}

TEST_CASE("the schema hash tells layouts apart") {
    CHECK(SnapshotCodec<Ship, Rock>::schemaHash() == SnapshotCodec<Ship, Rock>::schemaHash());
    CHECK(SnapshotCodec<Ship, Rock>::schemaHash() != SnapshotCodec<Rock, Ship>::schemaHash());
    CHECK(SnapshotCodec<Ship>::schemaHash() != SnapshotCodec<Mover>::schemaHash());
}

TEST_CASE("memories learned along a chain of acknowledged baselines round-trip and shrink packets") {
    Codec codec;
    using Memory = std::shared_ptr<const CodecMemory>;
    std::mt19937_64 rng(31);
    // The server keeps what it sent with what the codec remembered of each; the client
    // what it decoded with its own memory. Both pick the same acknowledged baseline.
    std::vector<World> sent{randomWorld(rng, 300)};
    std::vector<Memory> sentMemory(1);
    std::vector<World> received;
    std::vector<Memory> receivedMemory(1);
    {
        const auto key = codec.encode(nullptr, sent[0], {.memory = &sentMemory[0]});
        REQUIRE(key);
        received.push_back(*codec.decode(nullptr, *key, {.memory = &receivedMemory[0]}));
    }
    std::size_t chainedBytes = 0;
    std::size_t freshBytes = 0;
    for (std::uint32_t tick = 1; tick <= 300; ++tick) {
        World next = evolve(sent.back(), rng, tick);
        const std::size_t base = sent.size() - 1 - std::min<std::size_t>(rng() % 4, sent.size() - 1);
        Memory mine, theirs;
        const auto bytes = codec.encode(&sent[base], next, {.baselineMemory = sentMemory[base].get(), .memory = &mine});
        REQUIRE(bytes);
        auto decoded = codec.decode(&received[base], *bytes,
                                    {.baselineMemory = receivedMemory[base].get(), .memory = &theirs});
        REQUIRE(decoded);
        REQUIRE(*decoded == next);
        chainedBytes += bytes->size();
        freshBytes += codec.encode(&sent[base], next)->size();
        sent.push_back(std::move(next));
        sentMemory.push_back(mine);
        received.push_back(std::move(*decoded));
        receivedMemory.push_back(theirs);
    }
    CHECK(chainedBytes < freshBytes);
}

TEST_CASE("a chained delta is refused without the baseline's memory, or with another snapshot's") {
    Codec codec;
    std::mt19937_64 rng(33);
    const World first = randomWorld(rng, 40);
    std::shared_ptr<const CodecMemory> memory, other;
    const auto key = codec.encode(nullptr, first, {.memory = &memory});
    REQUIRE(key);
    const World next = evolve(first, rng, first.tick + 1);
    const auto delta = codec.encode(&first, next, {.baselineMemory = memory.get(), .memory = &other});
    REQUIRE(delta);
    REQUIRE(Codec::peekHeader(*delta)->chained);
    CHECK(codec.decode(&first, *delta).error() == Error::WrongBaseline);
    CHECK(codec.decode(&first, *delta, {.baselineMemory = other.get()}).error() == Error::WrongBaseline);
    CHECK(*codec.decode(&first, *delta, {.baselineMemory = memory.get()}) == next);
    // The encoder refuses a memory that is not the baseline's.
    CHECK(codec.encode(&first, next, {.baselineMemory = other.get()}).error() == Error::InvalidArgument);
}

TEST_CASE("thousands of identical idle entities round-trip, as a keyframe and as a delta") {
    for (bool entropy : {true, false}) {
        Codec codec({.maxEntities = 4096, .entropyCoding = entropy});
        World idle;
        idle.tick = 10;
        for (EntityId id = 1; id <= 3000; ++id) idle.set(id, Rock{});
        const auto key = codec.encode(nullptr, idle);
        REQUIRE(key);
        const auto back = codec.decode(nullptr, *key);
        REQUIRE(back);
        CHECK(*back == idle);
        World later = idle;
        later.tick = 12;
        const auto delta = codec.encode(&*back, later);
        REQUIRE(delta);
        const auto again = codec.decode(&*back, *delta);
        REQUIRE(again);
        CHECK(*again == later);
    }
}
