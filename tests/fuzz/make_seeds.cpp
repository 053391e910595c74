// Writes a seed corpus for every fuzz target, made with the project's own encoders:
//   fuzz-seeds OUTDIR      ->  OUTDIR/<target>/seed-N
// Each seed is a valid input of its target's format (a token, a handshake that reaches
// ALLOWED, a sealed CONNECT, a batch of each form, a message), so the fuzzer starts from
// the deep paths instead of finding its way through the seals.

#include "engine_types.hpp"
#include "message_types.hpp"
#include "sealed_token.hpp"

#include "handshake.hpp"

#include <tickwire/engine/replay.hpp>

#include <enet/enet.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <type_traits>

using namespace tickwire;

namespace {

namespace fs = std::filesystem;

class Seed {
public:
    Seed& u8(std::uint8_t v) {
        bytes.push_back(v);
        return *this;
    }
    template <class T>
    Seed& le(T v) {
        for (std::size_t i = 0; i < sizeof(T); ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        return *this;
    }
    Seed& raw(std::span<const std::uint8_t> b) {
        bytes.insert(bytes.end(), b.begin(), b.end());
        return *this;
    }
    Seed& fill(std::size_t n, std::uint8_t v) {
        bytes.insert(bytes.end(), n, v);
        return *this;
    }
    /// A byte string as Input::bytes() reads it: u16 length, then the bytes.
    Seed& str(std::span<const std::uint8_t> b) {
        le(static_cast<std::uint16_t>(b.size()));
        return raw(b);
    }
    /// The fields tokenFrom() reads, for a valid token naming the fuzzed server.
    Seed& token(std::uint8_t playerId, std::size_t servers = 1, std::size_t userData = 0) {
        u8(0).u8(30).le(std::uint64_t{playerId}).u8(10);
        fill(32, static_cast<std::uint8_t>(0x10 + playerId)).fill(32, static_cast<std::uint8_t>(0x60 + playerId));
        u8(static_cast<std::uint8_t>(servers - 1)).u8(0);
        std::vector<std::uint8_t> data(userData, 0x55);
        str(data);
        return fill(24, static_cast<std::uint8_t>(0x90 + playerId));
    }
    std::vector<std::uint8_t> bytes;
};

/// The value of a Result the seeds cannot be made without; otherwise says why and exits 1.
template <class R>
auto need(R&& result, const char* what) -> std::remove_cvref_t<decltype(*result)> {
    if (!result) {
        std::fprintf(stderr, "fuzz-seeds: %s: %s\n", what, result.message().c_str());
        std::exit(1);
    }
    return std::move(*result);
}

void write(const fs::path& dir, const std::string& target, int n, const std::vector<std::uint8_t>& bytes) {
    fs::create_directories(dir / target);
    std::ofstream out(dir / target / ("seed-" + std::to_string(n)), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> connectCommand(std::uint32_t connectId) {
    ENetProtocolConnect c{};
    c.header.command = static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_CONNECT) |
                       static_cast<enet_uint8>(ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE);
    c.header.channelID = 0xFF;
    c.outgoingPeerID = 0;
    c.channelCount = ENET_HOST_TO_NET_32(3);
    c.connectID = connectId;
    std::vector<std::uint8_t> b(sizeof c);
    std::memcpy(b.data(), &c, sizeof c);
    return b;
}

/// Bytes that fuzz::world() reads as a world of `count` entities (at most kMaxEntities).
std::vector<std::uint8_t> worldBytes(std::mt19937& rng, std::size_t count, std::uint16_t tick) {
    std::vector<std::uint8_t> b = {static_cast<std::uint8_t>(tick), static_cast<std::uint8_t>(tick >> 8),
                                   static_cast<std::uint8_t>(count)};
    for (std::size_t i = 0; i < count; ++i) {
        b.push_back(static_cast<std::uint8_t>(rng() % 3));  // id gap
        // up to 22 bytes per entity are read; the rest is cut by worldFrom()
        b.push_back(static_cast<std::uint8_t>(i % 3));     // type
        for (int k = 0; k < 24; ++k) b.push_back(static_cast<std::uint8_t>(rng()));
    }
    return b;
}

/// The world fuzz::world() builds from `bytes`; `bytes` is cut to what it read, so that
/// the next world's bytes follow directly.
std::pair<fuzz::World, std::size_t> worldFrom(std::vector<std::uint8_t>& bytes) {
    fuzz::Input in(bytes.data(), bytes.size());
    fuzz::World w = fuzz::world(in);
    const std::size_t used = bytes.size() - in.remaining();
    bytes.resize(used);
    return {std::move(w), used};
}

/// The engine targets' seeds: packets of the codec itself, and a replay as the writer
/// leaves it.
void engineSeeds(const fs::path& dir) {
    std::mt19937 rng(7);
    int n = 0;
    int r = 0;
    for (std::uint8_t mode : {0, 1, 2, 3, 4, 5}) {
        const fuzz::Codec codec(fuzz::codecConfig(mode));
        for (std::size_t count : {std::size_t{3}, std::size_t{20}, fuzz::kMaxEntities}) {
            // snapshot: mode, A, B, then C coded against B with B's memory (or a keyframe).
            auto bytesA = worldBytes(rng, count, 100);
            auto bytesB = worldBytes(rng, count, 106);
            auto bytesC = worldBytes(rng, count / 2 + 1, 112);
            const auto a = worldFrom(bytesA).first;
            const auto b = worldFrom(bytesB).first;
            const auto c = worldFrom(bytesC).first;
            std::shared_ptr<const engine::CodecMemory> memoryA, memoryB;
            engine::EncodeOptions first;
            first.memory = &memoryA;
            (void)codec.encode(nullptr, a, first);
            engine::EncodeOptions second;
            second.baselineMemory = memoryA.get();
            second.memory = &memoryB;
            (void)codec.encode(&a, b, second);
            engine::EncodeOptions third;
            third.baselineMemory = memoryB.get();
            const bool keyframe = (mode & 4) != 0;
            auto packet = codec.encode(keyframe ? nullptr : &b, c, third);
            Seed s;
            s.u8(mode).raw(bytesA).raw(bytesB).raw(*packet);
            write(dir, "snapshot", n, s.bytes);
            // snapshot_roundtrip: mode and three worlds.
            Seed t;
            t.u8(mode);
            if ((mode & 4) != 0) t.u8(200);  // the packet cap
            t.raw(bytesA).raw(bytesB).raw(bytesC);
            write(dir, "snapshot_roundtrip", n++, t.bytes);
        }
    }
    // replay: files as ReplayWriter leaves them, closed (indexed) and cut short.
    const fs::path file = dir / "replay.tmp";
    for (std::uint32_t chunkTicks : {5u, 60u}) {
        {
            engine::ReplayWriterConfig config;
            config.chunkTicks = chunkTicks;
            auto writer = need(engine::ReplayWriter<fuzz::Codec>::create(file.string(), {.game = "fuzz"}, config),
                               "cannot write a replay");
            for (std::uint16_t tick = 1; tick <= 20; ++tick) {
                auto bytes = worldBytes(rng, 6, tick);
                auto w = worldFrom(bytes).first;
                w.tick = tick;
                (void)writer->addFrame(w);
                if (tick % 4 == 0) {
                    const std::vector<std::uint8_t> event = {1, 2, static_cast<std::uint8_t>(tick)};
                    (void)writer->addEvent(tick, event);
                }
            }
            (void)writer->close();
        }
        std::ifstream in(file, std::ios::binary);
        std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (std::uint8_t mode : {0, 1}) {
            Seed s;
            s.u8(mode).raw(bytes);
            write(dir, "replay", r++, s.bytes);
        }
        Seed cut;
        cut.u8(1).raw(std::span(bytes.data(), bytes.size() * 2 / 3));
        write(dir, "replay", r++, cut.bytes);
    }
    fs::remove(file);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz-seeds OUTDIR\n");
        return 2;
    }
    const fs::path dir = argv[1];
    const std::uint64_t unix = 1'800'000'000;

    // token: files as tickwire-token writes them.
    int n = 0;
    for (std::size_t servers : {1, 3, 8}) {
        for (std::size_t userData : {0, 17, 256}) {
            net::TokenParams p;
            p.playerId = servers * 100 + userData;
            p.servers.assign(servers, fuzz::kFuzzServer);
            p.userData.assign(userData, 0xAB);
            write(dir, "token", n++, need(net::issueToken(fuzz::fuzzServerKey(), p, unix), "cannot issue a token").serialize());
        }
    }

    // token_private: the documented plaintext of a valid private part.
    n = 0;
    for (std::size_t servers : {1, 8}) {
        for (std::size_t userData : {0, 256}) {
            std::vector<net::Address> list(servers, fuzz::kFuzzServer);
            const auto plain = fuzz::layOutPrivate(5, 10, fuzz::fuzzServerKey(), fuzz::fuzzServerKey(), servers, list,
                                                   std::vector<std::uint8_t>(userData, 0x33));
            Seed s;
            s.u8(0).le(net::kDefaultProtocolId).le(unix + 30).fill(24, 0x21).raw(plain);
            write(dir, "token_private", n++, s.bytes);
        }
    }

    // handshake_server: REQUEST, RESPONSE with the real cookie, then the connection.
    for (int variant = 0; variant < 3; ++variant) {
        Seed s;
        s.u8(3).u8(3).u8(7).u8(200).u8(static_cast<std::uint8_t>(variant & 1));  // config
        s.u8(0).u8(1).token(1, variant == 2 ? 8 : 1, variant == 1 ? 40 : 0).fill(16, 0x71);  // REQUEST
        s.u8(0).u8(2).u8(0).u8(255).u8(255);  // RESPONSE from the same address
        if (variant == 1) s.u8(1).u8(2).u8(0).u8(255).u8(255);  // and from another
        s.u8(0).u8(6).u8(0);  // connected
        s.u8(0).u8(3).u8(0).fill(16, 0x72);  // a later REQUEST from a connected address
        write(dir, "handshake_server", variant, s.bytes);
    }

    // handshake_client: a token, then a CHALLENGE for the attempt, then a DENIED.
    for (int variant = 0; variant < 2; ++variant) {
        Seed s;
        s.token(2);
        s.u8(1).fill(16, 0x44).le(std::uint64_t{1234}).fill(16, 0x45).u8(0);  // CHALLENGE, real nonce
        s.u8(2).u8(variant == 0 ? 8 : 200);  // DENIED (a known reason, then an unknown one)
        s.u8(3).le(std::uint16_t{6000});      // time passes
        s.u8(4).u8(0);                        // a new attempt
        write(dir, "handshake_client", variant, s.bytes);
    }

    // sealed_datagram: a sealed CONNECT, then a sealed datagram of sends.
    {
        Seed s;
        s.u8(0).u8(1).le(std::uint16_t{0xFFF}).u8(0).str(connectCommand(0x01020304)).u8(255);
        const std::vector<std::uint8_t> send = {6 | 0x80, 0, 0, 1, 0, 3, 'a', 'b', 'c'};
        s.u8(0).u8(1).le(std::uint16_t{5}).u8(2).str(send).u8(0).u8(3);
        write(dir, "sealed_datagram", 0, s.bytes);
    }

    // batch: a uniform batch, a batch of lengths, on each channel.
    {
        Seed s;
        s.le(std::uint16_t{4000}).le(std::uint16_t{1200}).u8(200).le(std::uint16_t{1000});
        const std::vector<std::uint8_t> uniform = {2, 1, 2, 3, 4, 5, 6};
        const std::vector<std::uint8_t> lengths = {0, 1, 9, 3, 7, 7, 7, 2, 0x81, 0x01};
        for (std::uint8_t channel = 0; channel < 3; ++channel) {
            s.u8(255).u8(channel).str(uniform);
            s.u8(255).u8(channel).str(lengths);
        }
        s.u8(0).u8(3);  // poll three
        write(dir, "batch", 0, s.bytes);
    }

    // messages: values with every field used.
    n = 0;
    for (int variant = 0; variant < 3; ++variant) {
        fuzz::Everything e;
        e.u8 = static_cast<std::uint8_t>(variant);
        e.i32 = -1000 * variant;
        e.u64 = 1ull << (20 * variant);
        e.f = 1.5f * static_cast<float>(variant);
        e.d = -2.25 * variant;
        e.flag = variant & 1;
        e.kind = static_cast<fuzz::Kind>(variant);
        e.text = std::string(static_cast<std::size_t>(variant * 5), 'x');
        e.blob.assign(static_cast<std::size_t>(variant * 130), 0x42);
        if (variant) e.maybe = -7;
        e.fixed = {1, 2, 3};
        e.inners.resize(static_cast<std::size_t>(variant));
        for (auto& in : e.inners) in.ids = {1, 200, 70000};
        write(dir, "messages", n++, net::encodeMessage(7, e));
    }

    engineSeeds(dir);
    return 0;
}
