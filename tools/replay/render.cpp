// tickwire-replay render: a replay drawn as a PNG or SVG (paths, deaths, bandwidth, entities).

#include "replay_tool.hpp"

#include "view/replay_render.hpp"
#include "view/picture.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>

namespace tickwire::replay_tool {

int runRender(const RenderOptions& o) {
    if (o.from > o.to) return say(kExitUnusable, "--from " + std::to_string(o.from) + " is after --to " + std::to_string(o.to));
    if (auto cannot = cli::unwritable(o.out)) return say(kExitUnusable, "--out: cannot write " + inQuotes(o.out) + ": " + *cannot);
    auto reader = openReplay(o.file);
    if (!reader) return kExitUnusable;
    const auto& chunks = reader->chunks();
    std::optional<std::uint32_t> first, last;
    for (const auto& c : chunks) {
        if (c.frames == 0 || c.lastTick < o.from || c.firstTick > o.to) continue;
        if (!first) first = std::max(c.firstTick, o.from);
        last = std::min(c.lastTick, o.to);
    }
    if (!first) {
        return say(kExitUnusable, inQuotes(o.file) + " holds no frame in ticks " + std::to_string(o.from) + ".." +
                                      std::to_string(o.to));
    }
    arena::ReplayRender render(reader->info().tickRate, *first, *last);
    Progress progress("render");
    int code = kExitOk;
    for (auto i = reader->chunkFor(*first); i && *i < chunks.size() && chunks[*i].firstTick <= *last; ++*i) {
        progress.show(chunkProgress(*i, chunks.size()));
        auto chunk = reader->readChunk(*i);
        if (!chunk) {
            progress.clear();
            code = say(kExitDamaged, chunkProblem(*reader, *i, chunk.message()) + "; drawing the ticks before it");
            break;
        }
        for (std::size_t f = 0; f < chunk->frames.size(); ++f) render.addFrame(chunk->frames[f], chunk->frameBytes[f]);
    }
    progress.clear();
    if (code == kExitOk && damagedBefore(*reader, o.to)) {
        code = say(kExitDamaged, "the file is damaged: " + reader->verification().problem + "; drawing the ticks before it");
    }
    // The file's name is title enough; the directories it sat in mean nothing in a picture.
    const std::string title = std::filesystem::path(o.file).filename().string();
    const auto saved = arena::view::savePicture(
        o.out, o.width, o.height, [&](cairo_t* cr) { (void)render.draw(cr, o.width, o.height, title); });
    if (!saved) return say(kExitDamaged, "cannot write the picture: " + saved.detail());
    std::cout << "wrote " << o.out << " (" << o.width << "x" << o.height << ", " << count(render.frames(), "tick") << ", "
              << count(render.deaths(), "death") << ")\n";
    return code;
}

}  // namespace tickwire::replay_tool
