// The replay reader (engine/src/replay.cpp and ReplayReader in replay.hpp), as
// `tickwire-replay` opens any file it is given: header, chunk headers, records, the
// snapshots inside them, the index and trailer. Input: a mode byte, then the file. With
// mode bit 0 set, every checksum the file's structure allows is recomputed first, so that
// mutations reach the records and the codec behind the CRCs. Property: opening and
// reading every chunk never crashes, throws or allocates beyond the limits.

#include "engine_types.hpp"

#include <tickwire/engine/checksum.hpp>
#include <tickwire/engine/replay.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace tickwire;

namespace {

std::uint32_t get32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
           static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

/// Recomputes the header's CRC and each chunk's payload and header CRCs, walking the
/// chunks as the reader does (magic "TWCK", 36-byte header, payload length at byte 24).
void reseal(std::vector<std::uint8_t>& file) {
    if (file.size() < 12) return;
    const std::size_t header = static_cast<std::size_t>(file[10]) | static_cast<std::size_t>(file[11]) << 8;
    if (header < 4 || header > file.size()) return;
    put32(file, header - 4, engine::crc32(std::span(file.data(), header - 4)));
    std::size_t at = header;
    while (at + 36 <= file.size() && file[at] == 'T' && file[at + 1] == 'W' && file[at + 2] == 'C' && file[at + 3] == 'K') {
        const std::size_t payload = get32(file, at + 24);
        if (payload > file.size() - at - 36) return;
        put32(file, at + 28, engine::crc32(std::span(file.data() + at + 36, payload)));
        put32(file, at + 32, engine::crc32(std::span(file.data() + at, 32)));
        at += 36 + payload;
    }
}

const std::string& path() {
    static const std::string p = "/tmp/tickwire-fuzz-replay-" + std::to_string(::getpid()) + ".twr";
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const std::uint8_t mode = in.byte();
    auto file = in.rest();
    if ((mode & 1) != 0) reseal(file);
    {
        std::ofstream out(path(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    }
    auto reader = engine::ReplayReader<fuzz::Codec>::open(path(), {});
    if (!reader) {
        if (reader.detail().empty()) fuzz::broken();  // every refusal says why
        return 0;
    }
    const auto& chunks = (*reader)->chunks();
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        auto chunk = (*reader)->readChunk(i);
        if (!chunk) continue;
        if (chunk->frames.size() != chunks[i].frames) fuzz::broken();
    }
    (void)(*reader)->readChunk(chunks.size());  // no such chunk: an error, not a crash
    return 0;
}
