// tickwire-replay dump: recorded ticks and events, one JSON object per line.

#include "replay_tool.hpp"

#include "arena_events.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace tickwire::replay_tool {
namespace {

using arena::ArenaGame;

void appendFrame(std::string& out, const ArenaGame::World& world) {
    char text[320];
    std::snprintf(text, sizeof text, "{\"tick\":%u,\"entities\":[", world.tick);
    out += text;
    bool first = true;
    for (const auto& e : world.entities) {
        const auto* p = std::get_if<arena::Player>(&e.state);
        if (!p) continue;
        // x and y are whole centimetres, aim whole steps of 2π/4096: these digits are exact
        // to the quantization.
        std::snprintf(text, sizeof text,
                      "%s{\"id\":%u,\"x\":%.2f,\"y\":%.2f,\"aim\":%.6f,\"health\":%lld,\"score\":%lld,\"deaths\":%lld,"
                      "\"hits\":%lld,\"respawn_ticks\":%lld,\"cooldown_ticks\":%lld,\"alive\":%s,\"firing\":%s}",
                      first ? "" : ",", e.id, p->x.get(), p->y.get(), p->aim.get(),
                      static_cast<long long>(p->health.get()), static_cast<long long>(p->score.get()),
                      static_cast<long long>(p->deaths.get()), static_cast<long long>(p->hits.get()),
                      static_cast<long long>(p->respawnTicks.get()), static_cast<long long>(p->cooldownTicks.get()),
                      p->alive ? "true" : "false", p->firing ? "true" : "false");
        out += text;
        first = false;
    }
    out += "]}\n";
}

void appendEvent(std::string& out, const engine::ReplayEvent& event) {
    char text[256];
    if (auto m = arena::decodeMatchEvent(event.data)) {
        std::snprintf(text, sizeof text,
                      "{\"tick\":%u,\"event\":\"match\",\"tick_rate\":%u,\"snapshot_rate\":%u,\"match_start_tick\":%u,"
                      "\"match_seconds\":%u}\n",
                      event.tick, m->tickRate, m->snapshotRate, m->matchStartTick, m->matchSeconds);
        out += text;
        return;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::snprintf(text, sizeof text, "{\"tick\":%u,\"event\":\"unknown\",\"bytes\":\"", event.tick);
    out += text;
    for (std::uint8_t b : event.data) {
        out += kHex[b >> 4];
        out += kHex[b & 0xF];
    }
    out += "\"}\n";
}

}  // namespace

int runDump(const DumpOptions& o) {
    if (!o.json) return say(kExitUnusable, "dump writes JSON lines only: add --json");
    if (o.from > o.to) return say(kExitUnusable, "--from " + std::to_string(o.from) + " is after --to " + std::to_string(o.to));
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    const auto& chunks = reader->chunks();
    std::string out;
    for (auto i = reader->chunkFor(o.from); i && *i < chunks.size() && chunks[*i].firstTick <= o.to; ++*i) {
        auto chunk = reader->readChunk(*i);
        if (!chunk) {
            std::fflush(stdout);
            return say(kExitDamaged, chunkProblem(*reader, *i, chunk.message()) + "; the ticks before it were dumped");
        }
        // Frames and events in tick order; an event follows the frame of its tick, as it
        // followed that tick's snapshot when it was sent.
        std::stable_sort(chunk->events.begin(), chunk->events.end(),
                         [](const auto& a, const auto& b) { return a.tick < b.tick; });
        std::size_t e = 0;
        auto eventsBefore = [&](std::uint64_t tick) {
            for (; e < chunk->events.size() && chunk->events[e].tick < tick; ++e) {
                if (chunk->events[e].tick >= o.from && chunk->events[e].tick <= o.to) appendEvent(out, chunk->events[e]);
            }
        };
        for (const auto& world : chunk->frames) {
            eventsBefore(world.tick);
            if (world.tick >= o.from && world.tick <= o.to) appendFrame(out, world);
            eventsBefore(std::uint64_t{world.tick} + 1);
        }
        eventsBefore(std::numeric_limits<std::uint64_t>::max());
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
    }
    std::fflush(stdout);
    if (damagedBefore(*reader, o.to)) {
        return say(kExitDamaged, "the file is damaged: " + reader->verification().problem +
                                     "; only the ticks before it were dumped");
    }
    return kExitOk;
}

}  // namespace tickwire::replay_tool
