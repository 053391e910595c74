#include "../support/made.hpp"
#include "../support/temp_dir.hpp"

#include <tickwire/engine/checksum.hpp>
#include <tickwire/engine/quantize.hpp>
#include <tickwire/engine/replay.hpp>
#include <tickwire/engine/snapshot.hpp>

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace tickwire;
using namespace tickwire::engine;

namespace {

struct Walker {
    BoundedFloat<FloatRange{-100.0, 100.0, 0.01}> x;
    BoundedFloat<FloatRange{-100.0, 100.0, 0.01}> y;
    BoundedInt<0, 100> health{100};
    template <class A>
    void serialize(A& a) {
        a(x, y, health);
    }
    friend bool operator==(const Walker&, const Walker&) = default;
};

struct Crate {
    BoundedInt<0, 1000> contents;
    template <class A>
    void serialize(A& a) {
        a(contents);
    }
    friend bool operator==(const Crate&, const Crate&) = default;
};

using Codec = SnapshotCodec<Walker, Crate>;
using World = Codec::SnapshotType;
using Writer = ReplayWriter<Codec>;
using Reader = ReplayReader<Codec>;

/// A world that changes every tick: walkers move, one in ten ticks an entity comes or goes.
World worldAt(std::uint32_t tick) {
    World w;
    w.tick = tick;
    std::mt19937 rng(tick / 10);
    const std::uint32_t count = 5 + (tick / 10) % 7;
    for (std::uint32_t i = 0; i < count; ++i) {
        Walker p;
        p.x.set(std::sin(tick * 0.05 + i) * 50.0);
        p.y.set(std::cos(tick * 0.03 + i) * 50.0);
        p.health.set(static_cast<std::int64_t>(rng() % 101));
        w.set(i * 3 + 1, p);
    }
    Crate c;
    c.contents.set(static_cast<std::int64_t>(tick % 1000));
    w.set(1000, c);
    return w;
}

std::vector<std::uint8_t> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const std::string& path, std::span<const std::uint8_t> bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// Records ticks [1, ticks] (chunks of `chunkTicks`) with an event every 25 ticks.
void record(const std::string& path, std::uint32_t ticks, std::uint32_t chunkTicks = 20) {
    auto w = Writer::create(path, {.game = "test-game", .tickRate = 60}, {.chunkTicks = chunkTicks});
    REQUIRE(w);
    for (std::uint32_t t = 1; t <= ticks; ++t) {
        REQUIRE((*w)->addFrame(worldAt(t)));
        if (t % 25 == 0) {
            const std::vector<std::uint8_t> event{static_cast<std::uint8_t>(t), 0xEE};
            REQUIRE((*w)->addEvent(t, event));
        }
    }
    REQUIRE((*w)->close());
}

/// Every frame of every readable chunk equals worldAt(its tick); returns how many frames.
std::size_t checkFrames(const Reader& r) {
    std::size_t frames = 0;
    std::uint32_t expected = 1;
    for (std::size_t i = 0; i < r.chunks().size(); ++i) {
        auto chunk = r.readChunk(i);
        REQUIRE(chunk);
        for (const auto& f : chunk->frames) {
            CHECK(f.tick == expected);
            CHECK(f == worldAt(f.tick));
            ++expected;
            ++frames;
        }
    }
    return frames;
}

}  // namespace

TEST_CASE("crc32 is the standard CRC-32") {
    const std::string text = "123456789";
    CHECK(crc32(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())) == 0xCBF43926u);
    CHECK(crc32({}) == 0u);
}

TEST_CASE("a record whose tick or length has a shorter varint form is Malformed") {
    auto read = [](const std::vector<std::uint8_t>& payload) {
        std::size_t pos = 0;
        return detail::readReplayRecord(payload, pos);
    };
    const std::vector<std::uint8_t> minimal{3, 0x05, 0x01, 0xAA};  // event, tick 5, 1 byte
    const auto good = read(minimal);
    REQUIRE(good);
    CHECK(good->tick == 5);
    CHECK(good->bytes.size() == 1);
    CHECK(read({3, 0x85, 0x00, 0x01, 0xAA}).error() == Error::Malformed);
    CHECK(read({3, 0x05, 0x81, 0x00, 0xAA}).error() == Error::Malformed);
}

TEST_CASE("a closed replay reads back every frame and event, tick for tick, through its index") {
    test::TempDir dir;
    const auto path = dir.file("match.twr");
    record(path, 200);
    auto r = Reader::open(path, "test-game");
    TICKWIRE_REQUIRE_OK(r);
    CHECK((*r)->info().game == "test-game");
    CHECK((*r)->info().tickRate == 60);
    CHECK((*r)->info().schemaHash == Codec::schemaHash());
    CHECK((*r)->info().startUnixMs > 0);
    CHECK((*r)->verification().whole);
    CHECK((*r)->verification().indexed);
    CHECK((*r)->chunks().size() == 10);
    CHECK(checkFrames(**r) == 200);
    std::vector<std::uint32_t> eventTicks;
    for (std::size_t i = 0; i < (*r)->chunks().size(); ++i) {
        const auto chunk = (*r)->readChunk(i);
        REQUIRE(chunk);
        for (const auto& e : chunk->events) {
            CHECK(e.data == std::vector<std::uint8_t>{static_cast<std::uint8_t>(e.tick), 0xEE});
            eventTicks.push_back(e.tick);
        }
    }
    CHECK(eventTicks == std::vector<std::uint32_t>{25, 50, 75, 100, 125, 150, 175, 200});
    // Seeking: the chunk that holds a tick.
    const auto at = (*r)->chunkFor(133);
    REQUIRE(at);
    CHECK((*r)->chunks()[*at].firstTick <= 133);
    CHECK((*r)->chunks()[*at].lastTick >= 133);
}

TEST_CASE("truncating a replay at every byte inside its last chunk keeps every complete chunk readable") {
    test::TempDir dir;
    const auto path = dir.file("match.twr");
    record(path, 100);
    const auto whole = readFile(path);
    auto full = Reader::open(path);
    REQUIRE(full);
    const auto& chunks = (*full)->chunks();
    REQUIRE(chunks.size() == 5);
    const auto last = chunks.back();
    const std::size_t lastStart = static_cast<std::size_t>(last.offset);
    const std::size_t lastEnd = lastStart + 36 + last.payloadBytes;
    const auto cut = dir.file("cut.twr");
    for (std::size_t size = lastStart; size <= lastEnd + 5; ++size) {
        writeFile(cut, std::span(whole.data(), size));
        auto r = Reader::open(cut, "test-game");
        TICKWIRE_REQUIRE_OK(r);
        const bool lastComplete = size >= lastEnd;
        CHECK((*r)->chunks().size() == (lastComplete ? 5u : 4u));
        CHECK(checkFrames(**r) == (lastComplete ? 100u : 80u));
        const auto& v = (*r)->verification();
        CHECK_FALSE(v.indexed);
        if (size == lastStart || size == lastEnd) {
            CHECK(v.whole);  // ends exactly after a chunk: readable, just never closed
        } else if (size < lastEnd) {
            CHECK_FALSE(v.whole);
            REQUIRE(v.badChunk);
            CHECK(*v.badChunk == 4);
            CHECK(v.goodFrames == 80);
            CHECK(v.problem.find("chunk 4") != std::string::npos);
        } else {
            // Part of the index: every chunk still reads, and the file is not called whole.
            CHECK_FALSE(v.whole);
            CHECK_FALSE(v.problem.empty());
        }
    }
}

TEST_CASE("flipping any single byte is reported, against the right chunk") {
    test::TempDir dir;
    const auto path = dir.file("small.twr");
    record(path, 30, 10);
    const auto good = readFile(path);
    auto clean = Reader::open(path);
    REQUIRE(clean);
    const auto chunks = (*clean)->chunks();
    REQUIRE(chunks.size() == 3);
    const std::size_t headerEnd = static_cast<std::size_t>(chunks.front().offset);
    const std::size_t indexStart = static_cast<std::size_t>(chunks.back().offset + 36 + chunks.back().payloadBytes);
    const auto bad = dir.file("bad.twr");
    for (std::size_t at = 0; at < good.size(); ++at) {
        for (std::uint8_t bit : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
            auto bytes = good;
            bytes[at] ^= bit;
            writeFile(bad, bytes);
            auto r = Reader::open(bad, "test-game");
            if (at < headerEnd) {
                // The header: the file is refused as a whole, with a reason.
                REQUIRE_FALSE(r);
                CHECK_FALSE(r.detail().empty());
                continue;
            }
            TICKWIRE_REQUIRE_OK(r);
            const auto& v = (*r)->verification();
            CHECK_FALSE(v.whole);
            if (at >= indexStart) {
                CHECK_FALSE(v.badChunk);
                CHECK((*r)->chunks().size() == 3);
                CHECK(v.problem.find("index") != std::string::npos);
                continue;
            }
            std::uint32_t expected = 0;
            for (const auto& c : chunks) {
                if (at >= c.offset) expected = c.sequence;
            }
            REQUIRE(v.badChunk);
            CHECK(*v.badChunk == expected);
            CHECK((*r)->chunks().size() == expected);
            CHECK(checkFrames(**r) == expected * 10u);
        }
    }
}

TEST_CASE("another format version, another game and other entity types are refused with a clear message") {
    test::TempDir dir;
    const auto path = dir.file("match.twr");
    record(path, 20);

    auto otherGame = Reader::open(path, "some-other-game");
    REQUIRE_FALSE(otherGame);
    CHECK(otherGame.error() == Error::WrongGame);
    CHECK(otherGame.detail().find("test-game") != std::string::npos);

    auto otherTypes = ReplayReader<SnapshotCodec<Walker>>::open(path, "test-game");
    REQUIRE_FALSE(otherTypes);
    CHECK(otherTypes.error() == Error::WrongGame);
    CHECK(otherTypes.detail().find("entity types") != std::string::npos);

    auto bytes = readFile(path);
    bytes[8] = 9;  // version 9 (its header checksum no longer matters: the version is read first)
    writeFile(path, bytes);
    auto future = Reader::open(path, "test-game");
    REQUIRE_FALSE(future);
    CHECK(future.error() == Error::UnsupportedVersion);
    CHECK(future.detail().find("version 9") != std::string::npos);

    writeFile(path, std::vector<std::uint8_t>{'n', 'o', 't', ' ', 'a', ' ', 'r', 'e', 'p', 'l', 'a', 'y'});
    auto junk = Reader::open(path, "test-game");
    REQUIRE_FALSE(junk);
    CHECK(junk.detail().find("not a tickwire replay") != std::string::npos);

    CHECK(Reader::open(dir.file("missing.twr"), "").error() == Error::IoError);
}

TEST_CASE("the writer refuses ticks that go backwards, bad game ids and bad chunk sizes") {
    test::TempDir dir;
    CHECK(Writer::create(dir.file("a.twr"), {.game = "", .tickRate = 60}).error() == Error::InvalidArgument);
    CHECK(Writer::create(dir.file("a.twr"), {.game = "has space", .tickRate = 60}).error() == Error::InvalidArgument);
    CHECK(Writer::create(dir.file("a.twr"), {.game = "g", .tickRate = 0}).error() == Error::InvalidArgument);
    CHECK(Writer::create(dir.file("a.twr"), {.game = "g"}, {.chunkTicks = 0}).error() == Error::InvalidConfig);
    CHECK(Writer::create(dir.file("no/such/dir/a.twr"), {.game = "g"}).error() == Error::IoError);
    auto w = Writer::create(dir.file("a.twr"), {.game = "g"});
    REQUIRE(w);
    REQUIRE((*w)->addFrame(worldAt(5)));
    CHECK((*w)->addFrame(worldAt(5)).error() == Error::InvalidArgument);
    CHECK((*w)->addFrame(worldAt(4)).error() == Error::InvalidArgument);
    REQUIRE((*w)->close());
    CHECK((*w)->addFrame(worldAt(6)).error() == Error::Closed);
}

TEST_CASE("a writer killed with SIGKILL leaves a file whose complete chunks all read back") {
    test::TempDir dir;
    const auto path = dir.file("killed.twr");
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // Writes for ever, a chunk every 5 ticks, until killed.
        auto w = Writer::create(path, {.game = "test-game", .tickRate = 60}, {.chunkTicks = 5});
        if (!w) _exit(3);
        for (std::uint32_t t = 1;; ++t) {
            if (!(*w)->addFrame(worldAt(t))) _exit(4);
            if (t % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    // Let it write a good many chunks, then kill it wherever it is.
    for (int i = 0; i < 500; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::ifstream in(path, std::ios::binary | std::ios::ate);
        if (in && in.tellg() > 200000) break;
    }
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    auto r = Reader::open(path, "test-game");
    TICKWIRE_REQUIRE_OK(r);
    CHECK((*r)->chunks().size() > 10);
    CHECK_FALSE((*r)->verification().indexed);
    const std::size_t frames = checkFrames(**r);
    CHECK(frames == (*r)->chunks().size() * 5);
    CHECK(frames == (*r)->verification().goodFrames);
}

TEST_CASE("a chunk that would decode to more entity states than the limit is refused, and the writer never makes one") {
    test::TempDir dir;
    World big;
    big.tick = 1;
    for (EntityId id = 1; id <= 2000; ++id) big.set(id, Walker{});
    const std::size_t frames = kReplayMaxChunkEntities / 2000 + 10;

    // Written by hand: one keyframe and hundreds of tiny "nothing changed" deltas.
    const auto hostile = dir.file("hostile.twr");
    {
        auto file = detail::ReplayFileWriter::create(hostile, {.game = "test-game", .tickRate = 60,
                                                               .schemaHash = Codec::schemaHash()});
        REQUIRE(file);
        Codec codec({.chainModels = false});
        std::vector<std::uint8_t> payload;
        World previous;
        for (std::size_t i = 0; i < frames; ++i) {
            World w = big;
            w.tick = static_cast<std::uint32_t>(1 + i);
            const auto bytes = codec.encode(i == 0 ? nullptr : &previous, w);
            REQUIRE(bytes);
            detail::appendReplayRecord(payload, i == 0 ? detail::ReplayRecord::Keyframe : detail::ReplayRecord::Delta,
                                       w.tick, *bytes);
            previous = w;
        }
        ReplayChunkEntry entry{.firstTick = 1, .lastTick = static_cast<std::uint32_t>(frames),
                               .frames = static_cast<std::uint32_t>(frames)};
        REQUIRE((*file)->writeChunk(entry, payload));
        REQUIRE((*file)->finish());
    }
    auto r = Reader::open(hostile, "test-game");
    REQUIRE(r);
    REQUIRE((*r)->chunks().size() == 1);
    CHECK((*r)->readChunk(0).error() == Error::LimitExceeded);

    // The writer starts a new chunk before the limit, however long the chunks may be.
    const auto fair = dir.file("fair.twr");
    {
        auto w = Writer::create(fair, {.game = "test-game"}, {.chunkTicks = 100000, .chunkBytes = 16u << 20});
        REQUIRE(w);
        for (std::size_t i = 0; i < frames; ++i) {
            big.tick = static_cast<std::uint32_t>(1 + i);
            REQUIRE((*w)->addFrame(big));
        }
        REQUIRE((*w)->close());
    }
    auto ok = Reader::open(fair, "test-game");
    REQUIRE(ok);
    CHECK((*ok)->chunks().size() == 2);
    for (std::size_t i = 0; i < (*ok)->chunks().size(); ++i) CHECK((*ok)->readChunk(i));
}
