// tickwire-bench snapshot: the engine's snapshot codec on recordings of two physics
// scenes made with Bullet (scenes.hpp): the 901 cubes of the 2015 snapshot-compression
// challenge (frame i against frame i - 6 at 60 Hz) and the 250 asteroids of KinematicSoup's
// network-transform benchmark (30 Hz, frame i against i - 1 and i - 3). Each scene's body is
// declared as an ordinary entity type of quantized fields: nothing in the codec knows it.

#include "cubes.hpp"
#include "scenes.hpp"
#include "transforms.hpp"
#include "bench.hpp"
#include "snapshot.hpp"

#include <tool_cli.hpp>

#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <iostream>

namespace tickwire::bench {

namespace {

using engine::BoundedFloat;
using engine::BoundedInt;
using engine::FloatRange;
using engine::QuatSmallestThree;

/// One cube of the challenge, as a game would declare it: quantized fields, nothing else.
struct Cube {
    BoundedInt<-16383, 16383> x, y;  // 1/512 m
    BoundedInt<0, 8191> z;
    QuatSmallestThree<9> orientation;
    bool interacting = false;
    template <class A>
    void serialize(A& ar) {
        ar(x, y, z, orientation, interacting);
    }
    friend bool operator==(const Cube&, const Cube&) = default;
};

/// One asteroid: a position at 0.01 and a rotation at 12 bits per component.
struct Asteroid {
    engine::BoundedVec3<FloatRange{-40.0, 40.0, 0.01}> position;
    QuatSmallestThree<12> rotation;
    template <class A>
    void serialize(A& ar) {
        ar(position, rotation);
    }
    friend bool operator==(const Asteroid&, const Asteroid&) = default;
};

using CubeCodec = engine::SnapshotCodec<Cube>;
using AsteroidCodec = engine::SnapshotCodec<Asteroid>;

CubeCodec::SnapshotType toSnapshot(const CubeFrame& frame, std::uint32_t tick) {
    CubeCodec::SnapshotType s;
    s.tick = tick;
    s.entities.reserve(kCubes);
    for (std::size_t i = 0; i < kCubes; ++i) {
        const CubeRecord& r = frame[i];
        Cube c;
        c.x.set(r.x);
        c.y.set(r.y);
        c.z.set(r.z);
        // File order x, y, z, w (largest indexed so); tickwire's smallest-three is w, x, y, z.
        const unsigned largest = static_cast<unsigned>(r.largest + 1) % 4;
        const std::int32_t kept[3] = {r.a, r.b, r.c};
        std::array<std::uint32_t, 4> byIndex{};
        for (unsigned f = 0, k = 0; f < 4; ++f) {
            const unsigned i4 = (f + 1) % 4;
            if (i4 != largest) byIndex[i4] = static_cast<std::uint32_t>(kept[k++]);
        }
        std::array<std::uint32_t, 3> comps{};
        for (unsigned i4 = 0, k = 0; i4 < 4; ++i4) {
            if (i4 != largest) comps[k++] = byIndex[i4];
        }
        c.orientation.setRaw(largest, comps[0], comps[1], comps[2]);
        c.interacting = r.interacting != 0;
        s.entities.push_back({static_cast<engine::EntityId>(i), c});
    }
    return s;
}

AsteroidCodec::SnapshotType toSnapshot(const TransformRecording& rec, std::size_t f) {
    AsteroidCodec::SnapshotType s;
    s.tick = static_cast<std::uint32_t>(f);
    s.entities.reserve(rec.bodies);
    for (std::size_t i = 0; i < rec.bodies; ++i) {
        const TransformRecord& r = rec.frames[f][i];
        Asteroid a;
        a.position.x.setQuantized(r.position[0]);
        a.position.y.setQuantized(r.position[1]);
        a.position.z.setQuantized(r.position[2]);
        a.rotation.setRaw(r.largest, r.rotation[0], r.rotation[1], r.rotation[2]);
        s.entities.push_back({static_cast<engine::EntityId>(i), a});
    }
    return s;
}

struct Pass {
    std::size_t age = 0;
    std::size_t frames = 0;
    std::uint64_t bytes = 0;
    std::size_t maxBytes = 0;
    bool roundTrip = true;
    double encodeMicros = 0;  // mean per frame
    double decodeMicros = 0;
    double bytesPerPacket() const { return frames ? static_cast<double>(bytes) / static_cast<double>(frames) : 0; }
};

/// Encodes every frame i >= `first` against frame i - age as a server does (keeping what
/// the codec remembers of each packet with the snapshot it sent) and decodes it as a
/// client does (against its own decoded copy of frame i - age, with what the codec
/// remembered decoding it), checking the round trip. Frames before `first` are the
/// baselines of the first deltas: with `keyframes` they are sent as keyframes first (not
/// counted), otherwise they are taken as known to both ends with nothing remembered (the
/// challenge's leading copies).
template <class Codec>
Pass run(const std::vector<typename Codec::SnapshotType>& frames, std::size_t age, std::size_t first, bool keyframes,
         bool entropy) {
    using Snap = typename Codec::SnapshotType;
    using Memory = std::shared_ptr<const engine::CodecMemory>;
    const Codec codec({.maxEntities = 4096, .entropyCoding = entropy});
    std::vector<Memory> sentMemory(frames.size());
    std::vector<Snap> received(frames.size());
    std::vector<Memory> receivedMemory(frames.size());
    Pass pass;
    pass.age = age;
    for (std::size_t i = 0; i < first && i < frames.size(); ++i) {
        if (!keyframes) {
            received[i] = frames[i];
            continue;
        }
        const auto bytes = codec.encode(nullptr, frames[i], {.memory = &sentMemory[i]});
        auto decoded = bytes ? codec.decode(nullptr, *bytes, {.memory = &receivedMemory[i]})
                             : engine::Result<Snap>(engine::fail(engine::Error::Malformed));
        if (!decoded || !(*decoded == frames[i])) {
            pass.roundTrip = false;
            return pass;
        }
        received[i] = std::move(*decoded);
    }
    double encodeTotal = 0;
    double decodeTotal = 0;
    // CPU time of this thread: the machine may be shared, and time spent descheduled is
    // not the codec's.
    struct Clock {
        static double now() {
            timespec ts{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
            return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
        }
    };
    for (std::size_t i = first; i < frames.size(); ++i) {
        const auto t0 = Clock::now();
        const auto bytes = codec.encode(&frames[i - age], frames[i],
                                        {.baselineMemory = sentMemory[i - age].get(), .memory = &sentMemory[i]});
        const auto t1 = Clock::now();
        if (!bytes) {
            pass.roundTrip = false;
            break;
        }
        auto decoded = codec.decode(&received[i - age], *bytes,
                                    {.baselineMemory = receivedMemory[i - age].get(), .memory = &receivedMemory[i]});
        const auto t2 = Clock::now();
        if (!decoded || !(*decoded == frames[i])) {
            pass.roundTrip = false;
            break;
        }
        received[i] = std::move(*decoded);
        // Only a window of memories is needed: drop the ones no later frame codes against.
        if (i >= 2 * age) {
            sentMemory[i - 2 * age].reset();
            receivedMemory[i - 2 * age].reset();
        }
        encodeTotal += t1 - t0;
        decodeTotal += t2 - t1;
        pass.bytes += bytes->size();
        pass.maxBytes = std::max(pass.maxBytes, bytes->size());
        ++pass.frames;
    }
    if (pass.frames) {
        pass.encodeMicros = encodeTotal / static_cast<double>(pass.frames);
        pass.decodeMicros = decodeTotal / static_cast<double>(pass.frames);
    }
    return pass;
}

struct SnapshotOptions {
    std::string cubes;
    std::string asteroids;
    std::string makeCubes;
    std::string makeAsteroids;
    std::size_t frames = 0;  // 0: the scene's default
    std::uint64_t seed = 1;
    std::vector<std::size_t> ages;
    bool json = false;
};

nlohmann::json passJson(const Pass& p, double rate) {
    return {{"baseline_age", p.age},
            {"frames", p.frames},
            {"bytes_per_packet", p.bytesPerPacket()},
            {"max_bytes", p.maxBytes},
            {"kbps", p.bytesPerPacket() * rate * 8 / 1000},
            {"kBps", p.bytesPerPacket() * rate / 1000},
            {"encode_us", p.encodeMicros},
            {"decode_us", p.decodeMicros},
            {"roundtrip_ok", p.roundTrip}};
}

void printPasses(const char* what, const std::vector<std::pair<Pass, Pass>>& passes, double rate) {
    std::printf("  %-6s %-12s %12s %10s %10s %9s %10s %10s  %s\n", "age", "codec", "bytes/packet", "max bytes",
                "kbps", "kB/s", "encode us", "decode us", "round trip");
    for (const auto& [coded, packed] : passes) {
        for (const Pass* p : {&coded, &packed}) {
            std::printf("  i-%-4zu %-12s %12.2f %10zu %10.2f %9.2f %10.1f %10.1f  %s\n", p->age,
                        p == &coded ? "range-coded" : "bit-packed", p->bytesPerPacket(), p->maxBytes,
                        p->bytesPerPacket() * rate * 8 / 1000, p->bytesPerPacket() * rate / 1000, p->encodeMicros,
                        p->decodeMicros, p->roundTrip ? "exact" : "FAILED");
        }
    }
    (void)what;
}

int runSnapshot(const SnapshotOptions& o) {
    if ((!o.makeCubes.empty() || !o.makeAsteroids.empty()) && !haveScenes()) {
        std::cerr << "tickwire-bench: --make-cubes and --make-asteroids need Bullet (libbullet-dev), and this build "
                     "has none\n";
        return cli::kExitUsage;
    }
    for (const auto& [option, file] : {std::pair{"--cubes", &o.cubes}, std::pair{"--asteroids", &o.asteroids}}) {
        // A recording this run makes first is read after it is written.
        if (file->empty() || *file == o.makeCubes || *file == o.makeAsteroids) continue;
        if (auto why = cli::unreadable(*file)) {
            std::cerr << "tickwire-bench: " << option << ": cannot read '" << *file << "': " << *why << '\n';
            return cli::kExitUsage;
        }
    }
    if (!o.makeCubes.empty()) {
        const auto frames = simulateCubes(o.frames ? o.frames : 1806, o.seed);
        if (auto ok = writeCubeFile(o.makeCubes, frames); !ok) {
            std::cerr << "tickwire-bench: cannot write '" << o.makeCubes << "': " << ok.message() << '\n';
            return 1;
        }
        std::cout << "wrote " << frames.size() << " frames of the cube scene (" << kLeadingCopies
                  << " leading copies, seed " << o.seed << ") to " << o.makeCubes << '\n';
    }
    if (!o.makeAsteroids.empty()) {
        const auto rec = simulateAsteroids(o.frames ? o.frames : 5400, o.seed);
        if (auto ok = writeTransformFile(o.makeAsteroids, rec); !ok) {
            std::cerr << "tickwire-bench: cannot write '" << o.makeAsteroids << "': " << ok.message()
                      << '\n';
            return 1;
        }
        std::cout << "wrote " << rec.frames.size() << " frames of the asteroid scene (seed " << o.seed << ") to "
                  << o.makeAsteroids << '\n';
    }
    bool ok = true;
    const MachineInfo machine = machineInfo();
    nlohmann::json j;
    j["benchmark"] = "snapshot";
    j["machine"] = {{"cpus", machine.cpus}, {"cpu_model", machine.cpuModel}, {"load_average", machine.loadAverage}};
    if (!o.cubes.empty()) {
        auto frames = readCubeFile(o.cubes, 100000);
        if (!frames) {
            std::cerr << "tickwire-bench: cannot read '" << o.cubes << "': " << frames.message() << '\n';
            return 1;
        }
        const std::vector<std::size_t> ages = o.ages.empty() ? std::vector<std::size_t>{6} : o.ages;
        if (frames->size() <= kLeadingCopies || frames->size() <= ages.back()) {
            std::cerr << "tickwire-bench: '" << o.cubes << "' has too few frames\n";
            return 1;
        }
        std::vector<CubeCodec::SnapshotType> snapshots;
        snapshots.reserve(frames->size());
        for (std::size_t i = 0; i < frames->size(); ++i) {
            snapshots.push_back(toSnapshot((*frames)[i], static_cast<std::uint32_t>(i)));
        }
        std::vector<std::pair<Pass, Pass>> passes;
        nlohmann::json list = nlohmann::json::array();
        for (const std::size_t age : ages) {
            const std::size_t first = std::max(age, kLeadingCopies);
            passes.emplace_back(run<CubeCodec>(snapshots, age, first, false, true),
                                run<CubeCodec>(snapshots, age, first, false, false));
            ok = ok && passes.back().first.roundTrip && passes.back().second.roundTrip;
            auto pj = passJson(passes.back().first, 60);
            pj["bitpacked_kbps"] = passes.back().second.bytesPerPacket() * 60 * 8 / 1000;
            list.push_back(pj);
        }
        std::printf("tickwire-bench snapshot: cubes %s, %zu frames (901 cubes, 60 Hz)\n", o.cubes.c_str(),
                    frames->size());
        std::printf("machine: %u CPU(s), %s, load average at start %s\n", machine.cpus, machine.cpuModel.c_str(),
                    machine.loadAverage.c_str());
        printPasses("cubes", passes, 60);
        std::printf("  challenge entrants (original recording, i-6): Maxwell range coder 130-135 kbps, "
                    "Fiedler's reference ~215-255 kbps\n");
        j["cubes"] = {{"file", o.cubes}, {"frames", frames->size()}, {"rate_hz", 60}, {"passes", list}};
        // The figures of the first age at top level, as before.
        j["kbps"] = list[0]["kbps"];
        j["bytes_per_packet"] = list[0]["bytes_per_packet"];
        j["roundtrip_ok"] = ok;
    }
    if (!o.asteroids.empty()) {
        auto rec = readTransformFile(o.asteroids, 200000);
        if (!rec) {
            std::cerr << "tickwire-bench: cannot read '" << o.asteroids << "': " << rec.message() << '\n';
            return 1;
        }
        if (rec->positionResolution != 0.01 || rec->positionLimit != 40 || rec->rotationBits != 12) {
            std::cerr << "tickwire-bench: '" << o.asteroids
                      << "' is not quantized as the asteroid entity is (0.01 in [-40, 40], 12-bit rotation)\n";
            return 1;
        }
        const std::vector<std::size_t> ages = o.ages.empty() ? std::vector<std::size_t>{1, 3} : o.ages;
        if (rec->frames.size() <= ages.back()) {
            std::cerr << "tickwire-bench: '" << o.asteroids << "' has too few frames\n";
            return 1;
        }
        std::vector<AsteroidCodec::SnapshotType> snapshots;
        for (std::size_t f = 0; f < rec->frames.size(); ++f) snapshots.push_back(toSnapshot(*rec, f));
        const double rate = rec->frameRate;
        std::vector<std::pair<Pass, Pass>> passes;
        nlohmann::json list = nlohmann::json::array();
        for (const std::size_t age : ages) {
            passes.emplace_back(run<AsteroidCodec>(snapshots, age, age, true, true),
                                run<AsteroidCodec>(snapshots, age, age, true, false));
            ok = ok && passes.back().first.roundTrip && passes.back().second.roundTrip;
            list.push_back(passJson(passes.back().first, rate));
        }
        std::printf("tickwire-bench snapshot: asteroids %s, %zu frames (%u bodies, %u Hz)\n", o.asteroids.c_str(),
                    rec->frames.size(), rec->bodies, rec->frameRate);
        std::printf("machine: %u CPU(s), %s, load average at start %s\n", machine.cpus, machine.cpuModel.c_str(),
                    machine.loadAverage.c_str());
        printPasses("asteroids", passes, rate);
        std::printf("  published goodput (KinematicSoup benchmark, Unity): Reactor ~10 kB/s, PurrNet ~95, FishNet ~98, "
                    "Photon Fusion 2 ~107, Mirror ~117, NGO ~185\n");
        j["asteroids"] = {{"file", o.asteroids}, {"frames", rec->frames.size()}, {"rate_hz", rec->frameRate},
                          {"passes", list}};
        j["roundtrip_ok"] = ok;
    }
    if (o.json && (!o.cubes.empty() || !o.asteroids.empty())) std::cout << j.dump() << std::endl;
    return ok ? 0 : 1;
}

}  // namespace

void addSnapshotCommand(CLI::App& app, int& exitCode) {
    auto options = std::make_shared<SnapshotOptions>();
    CLI::App* cmd = app.add_subcommand(
        "snapshot",
        "the snapshot codec on Bullet recordings: 901 cubes (2015 snapshot-compression challenge, 60 Hz, frame i "
        "against i-6) and 250 asteroids (network-transform benchmark, 30 Hz, against i-1 and i-3); exact round "
        "trip checked");
    cmd->add_option("--cubes", options->cubes, "cube recording to measure (frames of 901 x 8 little-endian int32)")
        ->type_name("FILE");
    cmd->add_option("--asteroids", options->asteroids, "asteroid recording to measure (transforms.hpp format)")
        ->type_name("FILE");
    cmd->add_option("--make-cubes", options->makeCubes, "simulate the cube scene with Bullet and write it")
        ->type_name("FILE");
    cmd->add_option("--make-asteroids", options->makeAsteroids, "simulate the asteroid scene with Bullet and write it")
        ->type_name("FILE");
    cmd->add_option("--frames", options->frames,
                    "frames to simulate (default: cubes 1806 including 6 leading copies, asteroids 5400 = 3 min)")
        ->type_name("N")->check(tickwire::cli::range<std::size_t>(7, 200000));
    cmd->add_option("--seed", options->seed, "simulation seed for --make-*")->type_name("S");
    cmd->add_option("--age", options->ages, "baseline ages to measure, in frames (default: cubes 6, asteroids 1 3)")
        ->type_name("K")->check(tickwire::cli::range<std::size_t>(1, 60));
    cmd->add_flag("--json", options->json, "also print one JSON object as the last stdout line");
    cmd->callback([options, &exitCode] {
        if (options->cubes.empty() && options->asteroids.empty() && options->makeCubes.empty() &&
            options->makeAsteroids.empty()) {
            throw CLI::ValidationError("snapshot", "give --cubes/--asteroids FILE to measure, or --make-cubes/--make-asteroids FILE");
        }
        std::sort(options->ages.begin(), options->ages.end());
        exitCode = runSnapshot(*options);
    });
}

}  // namespace tickwire::bench
