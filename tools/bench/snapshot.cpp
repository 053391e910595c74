// tickwire-bench snapshot: the engine's snapshot codec on the layout of the 2015
// networked-physics snapshot-compression challenge (901 cubes, frame i encoded against
// frame i-6), with the cube declared as an ordinary entity type.

#include "cubes.hpp"
#include "transport.hpp"

#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace tickwire::bench {

namespace {

using engine::BoundedInt;

/// One cube of the challenge, as a game would declare it: quantized fields, nothing else.
struct Cube {
    BoundedInt<0, 3> largest;          // smallest-three: which component was dropped
    BoundedInt<0, 511> a, b, c;        // the other three, 9 bits each
    BoundedInt<-16383, 16383> x, y;    // 1/512 m
    BoundedInt<0, 8191> z;
    bool interacting = false;
    template <class A>
    void serialize(A& ar) {
        ar(x, y, z, largest, a, b, c, interacting);
    }
    friend bool operator==(const Cube&, const Cube&) = default;
};

using CubeCodec = engine::SnapshotCodec<Cube>;
using CubeSnapshot = CubeCodec::SnapshotType;

CubeSnapshot toSnapshot(const CubeFrame& frame, std::uint32_t tick) {
    CubeSnapshot s;
    s.tick = tick;
    s.entities.reserve(kCubes);
    for (std::size_t i = 0; i < kCubes; ++i) {
        const CubeRecord& r = frame[i];
        Cube c;
        c.largest.set(r.largest);
        c.a.set(r.a);
        c.b.set(r.b);
        c.c.set(r.c);
        c.x.set(r.x);
        c.y.set(r.y);
        c.z.set(r.z);
        c.interacting = r.interacting != 0;
        s.entities.push_back({static_cast<engine::EntityId>(i), c});
    }
    return s;
}

struct Pass {
    std::size_t frames = 0;
    std::uint64_t bytes = 0;
    std::size_t maxBytes = 0;
    bool roundTrip = true;
    double encodeMicros = 0;  // mean per frame
    double decodeMicros = 0;
    double kbps() const { return frames ? static_cast<double>(bytes) / static_cast<double>(frames) * 60 * 8 / 1000 : 0; }
    double bytesPerPacket() const { return frames ? static_cast<double>(bytes) / static_cast<double>(frames) : 0; }
};

/// Encodes every frame i >= 6 against frame i-6 as a server would (keeping what each
/// packet taught the models with the snapshot it sent) and decodes it as a client would
/// (against its own decoded copy of frame i-6), checking the round trip.
Pass run(std::vector<CubeSnapshot> sent, bool entropy) {
    const CubeCodec codec({.maxEntities = 4096, .entropyCoding = entropy});
    std::vector<CubeSnapshot> received(sent.begin(), sent.begin() + static_cast<std::ptrdiff_t>(kLeadingCopies));
    received.reserve(sent.size());
    Pass pass;
    double encodeTotal = 0;
    double decodeTotal = 0;
    using Clock = std::chrono::steady_clock;
    for (std::size_t i = kLeadingCopies; i < sent.size(); ++i) {
        const auto t0 = Clock::now();
        std::shared_ptr<const engine::detail::CodecModels> learned;
        const auto bytes = codec.encode(&sent[i - kLeadingCopies], sent[i], &learned);
        const auto t1 = Clock::now();
        if (!bytes) {
            pass.roundTrip = false;
            break;
        }
        sent[i].models = learned;
        auto decoded = codec.decode(&received[i - kLeadingCopies], *bytes);
        const auto t2 = Clock::now();
        if (!decoded || !(*decoded == sent[i])) {
            pass.roundTrip = false;
            break;
        }
        received.push_back(std::move(*decoded));
        encodeTotal += std::chrono::duration<double, std::micro>(t1 - t0).count();
        decodeTotal += std::chrono::duration<double, std::micro>(t2 - t1).count();
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
    std::string makeCubes;
    std::size_t frames = 1800;
    std::uint64_t seed = 1;
    bool json = false;
};

int runSnapshot(const SnapshotOptions& o) {
    if (!o.makeCubes.empty()) {
        const auto frames = simulateCubes(o.frames, o.seed);
        if (auto ok = writeCubeFile(o.makeCubes, frames); !ok) {
            std::cerr << "tickwire-bench: cannot write '" << o.makeCubes << "': " << net::describe(ok.error()) << '\n';
            return 1;
        }
        std::cout << "wrote " << frames.size() << " frames (" << kLeadingCopies << " leading copies, seed " << o.seed
                  << ") to " << o.makeCubes << '\n';
        if (o.cubes.empty()) return 0;
    }
    std::string why;
    auto frames = readCubeFile(o.cubes, 100000, &why);
    if (!frames) {
        std::cerr << "tickwire-bench: cannot read '" << o.cubes << "': " << net::describe(frames.error())
                  << (why.empty() ? "" : " (" + why + ")") << '\n';
        return 1;
    }
    if (frames->size() <= kLeadingCopies) {
        std::cerr << "tickwire-bench: '" << o.cubes << "' has " << frames->size()
                  << " frames; at least " << kLeadingCopies + 1 << " are needed\n";
        return 1;
    }
    std::vector<CubeSnapshot> snapshots;
    snapshots.reserve(frames->size());
    for (std::size_t i = 0; i < frames->size(); ++i) snapshots.push_back(toSnapshot((*frames)[i], static_cast<std::uint32_t>(i)));

    const MachineInfo machine = machineInfo();
    const Pass coded = run(snapshots, true);
    const Pass packed = run(snapshots, false);

    std::printf("tickwire-bench snapshot: %s, %zu frames encoded against frame i-6\n", o.cubes.c_str(), coded.frames);
    std::printf("machine: %u CPU(s), %s, load average at start %s\n", machine.cpus, machine.cpuModel.c_str(),
                machine.loadAverage.c_str());
    std::printf("  codec               bytes/packet   max bytes      kbps   encode us   decode us   round trip\n");
    for (const auto* p : {&coded, &packed}) {
        std::printf("  %-18s %12.2f %11zu %9.2f %11.1f %11.1f   %s\n", p == &coded ? "range-coded" : "bit-packed",
                    p->bytesPerPacket(), p->maxBytes, p->kbps(), p->encodeMicros, p->decodeMicros,
                    p->roundTrip ? "exact" : "FAILED");
    }
    std::printf("  anchors: Fiedler bit-packed 255.34 kbps, Giesen arithmetic ~213.6, Maxwell context-model 135.07\n");
    if (o.json) {
        nlohmann::json j;
        j["benchmark"] = "snapshot";
        j["file"] = o.cubes;
        j["frames"] = coded.frames;
        j["bytes_per_packet"] = coded.bytesPerPacket();
        j["kbps"] = coded.kbps();
        j["max_bytes"] = coded.maxBytes;
        j["roundtrip_ok"] = coded.roundTrip && packed.roundTrip;
        j["encode_us"] = coded.encodeMicros;
        j["decode_us"] = coded.decodeMicros;
        j["bitpacked_bytes_per_packet"] = packed.bytesPerPacket();
        j["bitpacked_kbps"] = packed.kbps();
        j["machine"] = {{"cpus", machine.cpus}, {"cpu_model", machine.cpuModel}, {"load_average", machine.loadAverage}};
        std::cout << j.dump() << std::endl;
    }
    return coded.roundTrip && packed.roundTrip ? 0 : 1;
}

}  // namespace

void addSnapshotCommand(CLI::App& app, int& exitCode) {
    auto options = std::make_shared<SnapshotOptions>();
    CLI::App* cmd = app.add_subcommand(
        "snapshot",
        "the snapshot codec on 901-cube recordings (2015 snapshot-compression challenge layout): "
        "bytes per packet and kbps at 60 Hz, each frame against frame i-6, exact round trip checked");
    cmd->add_option("--cubes", options->cubes, "recording to measure (frames of 901 x 8 little-endian int32)")
        ->type_name("FILE");
    cmd->add_option("--make-cubes", options->makeCubes,
                    "write a recording from the built-in simulation (a player cube pushing a grid of 900 cubes)")
        ->type_name("FILE");
    cmd->add_option("--frames", options->frames, "frames to simulate with --make-cubes, including 6 leading copies")
        ->type_name("N")->check(CLI::Range(7, 100000));
    cmd->add_option("--seed", options->seed, "simulation seed for --make-cubes")->type_name("S");
    cmd->add_flag("--json", options->json, "also print one JSON object as the last stdout line");
    cmd->callback([options, &exitCode] {
        if (options->cubes.empty() && options->makeCubes.empty()) {
            throw CLI::ValidationError("snapshot", "give --cubes FILE to measure, or --make-cubes FILE to write one");
        }
        exitCode = runSnapshot(*options);
    });
}

}  // namespace tickwire::bench
