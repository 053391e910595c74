// tickwire-replay verify: checks every chunk and the index, and names the first bad one.

#include "replay_tool.hpp"

#include <iostream>
#include <optional>

namespace tickwire::replay_tool {

int runVerify(const std::string& file) {
    auto reader = openReplay(file);
    if (!reader) return kExitUnusable;
    const auto& v = reader->verification();
    const auto& chunks = reader->chunks();
    // A chunk can pass its checksums and still hold records the codec refuses: decoding
    // every one is what makes "intact" mean readable.
    std::optional<std::size_t> undecodable;
    std::string decodeError;
    std::uint64_t events = 0;
    Progress progress("verify");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        progress.show(chunkProgress(i, chunks.size()));
        auto chunk = reader->readChunk(i);
        if (!chunk) {
            undecodable = i;
            decodeError = chunk.message();
            break;
        }
        events += chunk->events.size();
    }
    progress.clear();
    const std::size_t good = undecodable.value_or(chunks.size());
    std::uint64_t goodFrames = 0;
    std::optional<std::uint32_t> firstTick, lastTick;
    for (std::size_t i = 0; i < good; ++i) {
        goodFrames += chunks[i].frames;
        if (chunks[i].frames > 0 || chunks[i].events > 0) {
            if (!firstTick) firstTick = chunks[i].firstTick;
            lastTick = chunks[i].lastTick;
        }
    }
    const std::string span = firstTick ? " (" + std::to_string(*firstTick) + ".." + std::to_string(*lastTick) + ")" : "";
    if (!undecodable && v.whole) {
        std::cout << file << ": " << (v.indexed ? "intact: " : "not closed: no index; every chunk intact: ")
                  << count(chunks.size(), "chunk") << ", " << count(goodFrames, "tick") << span << ", "
                  << count(events, "event") << '\n';
        return kExitOk;
    }
    const std::string problem = undecodable ? chunkProblem(*reader, *undecodable, decodeError) : v.problem;
    std::cout << file << ": damaged: " << problem << "; ";
    if (goodFrames == 0) {
        std::cout << "no tick before it is intact\n";
    } else {
        std::cout << (goodFrames == 1 ? "the 1 tick before it is" : "the " + std::to_string(goodFrames) + " ticks before it are")
                  << " intact (up to tick " << *lastTick << ")\n";
    }
    return kExitDamaged;
}

}  // namespace tickwire::replay_tool
