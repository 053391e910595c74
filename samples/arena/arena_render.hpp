#pragma once
/// \file arena_render.hpp
/// One picture of a recorded arena match: on top, the arena with every player's path (one
/// colour per entity id) and an X where a player died; below, a plot of the recording's
/// bandwidth (encoded frames in kbit/s) and entity count over time. Frames are fed
/// one at a time, so a long file streams through in bounded memory: paths are thinned as
/// they grow, and the plot keeps at most kRenderMaxBuckets points per series.
///
///     arena::ReplayRender render(info.tickRate, firstTick, lastTick);
///     for (each decoded chunk) for (i...) render.addFrame(chunk.frames[i], chunk.frameBytes[i]);
///     auto canvas = render.draw(1200, 1100, "match.twr");
///     arena::view::writePng(*canvas, "match.png");

#include "arena_game.hpp"
#include "view/arena_view.hpp"
#include "view/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace arena {

/// Smallest canvas side ReplayRender::draw accepts, pixels.
inline constexpr int kRenderMinSide = 200;
/// Most points per plotted series: time is divided into at most this many buckets.
inline constexpr std::size_t kRenderMaxBuckets = 2048;
/// Most path points kept over all players; beyond, paths are thinned.
inline constexpr std::size_t kRenderMaxPathPoints = 1u << 20;
/// Most death markers drawn.
inline constexpr std::size_t kRenderMaxMarkers = 100000;
/// Most players whose paths are drawn (the first seen); others only count in the plot.
inline constexpr std::size_t kRenderMaxTracks = 65536;

/// Accumulates frames of a recording and draws them. Not thread-safe.
class ReplayRender {
public:
    /// A render of ticks firstTick..lastTick (inclusive; frames outside are ignored) of a
    /// game at `tickRate` ticks per second (1..1000; 0 counts as 1).
    ReplayRender(std::uint32_t tickRate, std::uint32_t firstTick, std::uint32_t lastTick)
        : tickRate_(std::max<std::uint32_t>(tickRate, 1)),
          firstTick_(std::min(firstTick, lastTick)),
          lastTick_(std::max(firstTick, lastTick)) {
        const double spanTicks = static_cast<double>(lastTick_ - firstTick_) + 1.0;
        const auto seconds = static_cast<std::size_t>(std::ceil(spanTicks / tickRate_));
        buckets_.resize(std::clamp<std::size_t>(seconds, 1, kRenderMaxBuckets));
        bucketTicks_ = spanTicks / static_cast<double>(buckets_.size());
    }

    /// Adds one frame and the bytes it took encoded in the file. Frames come in tick order.
    void addFrame(const ArenaGame::World& world, std::size_t encodedBytes) {
        if (world.tick < firstTick_ || world.tick > lastTick_) return;
        ++frames_;
        if (!seenFirst_) seenFirst_ = world.tick;
        seenLast_ = world.tick;
        Bucket& b = buckets_[std::min(buckets_.size() - 1, static_cast<std::size_t>(
                                                               static_cast<double>(world.tick - firstTick_) / bucketTicks_))];
        b.bytes += encodedBytes;
        b.entities += world.entities.size();
        ++b.frames;
        for (const auto& e : world.entities) {
            const auto* p = std::get_if<Player>(&e.state);
            if (p) addPlayer(e.id, *p);
        }
    }

    /// Frames added so far (within the tick range).
    [[nodiscard]] std::uint64_t frames() const noexcept { return frames_; }
    /// Deaths seen (a player alive in one frame and dead in the next).
    [[nodiscard]] std::uint64_t deaths() const noexcept { return deaths_; }

    /// The picture on a canvas of `width` × `height` pixels (kRenderMinSide..kMaxCanvasSide
    /// each; none otherwise), `title` written over the arena.
    [[nodiscard]] std::optional<view::Canvas> draw(int width, int height, const std::string& title) const {
        if (width < kRenderMinSide || height < kRenderMinSide) return std::nullopt;
        auto canvas = view::Canvas::create(width, height);
        if (!canvas) return std::nullopt;
        canvas->clear(view::kBackgroundColour);
        const int plotHeight = std::clamp(height / 5, 100, height - 100);
        auto top = *view::Canvas::create(width, height - plotHeight);
        drawTop(top, title);
        // The top picture goes in as rows: it has the canvas's width.
        std::copy(top.pixels().begin(), top.pixels().end(), canvas->data());
        drawPlot(*canvas, height - plotHeight, plotHeight);
        return canvas;
    }

private:
    struct Point {
        float x;
        float y;
    };
    struct Track {
        std::vector<std::vector<Point>> segments;
        Point last{};            // the last position seen, kept or not
        bool alive = false;      // in the last frame seen
        bool seen = false;
    };
    struct Marker {
        float x;
        float y;
        tickwire::engine::EntityId id;
    };
    struct Bucket {
        std::uint64_t bytes = 0;
        std::uint64_t entities = 0;
        std::uint64_t frames = 0;
    };

    // A player moves 0.1 m per tick: anything much further in one frame is a respawn or a
    // gap in the recording, not a path to draw.
    static constexpr float kJumpMetres = 3.0f;

    void addPlayer(tickwire::engine::EntityId id, const Player& p) {
        auto found = tracks_.find(id);
        if (found == tracks_.end()) {
            if (tracks_.size() >= kRenderMaxTracks) return;
            found = tracks_.emplace(id, Track{}).first;
        }
        Track& t = found->second;
        const Point at{static_cast<float>(p.x.get()), static_cast<float>(p.y.get())};
        if (t.seen && t.alive && !p.alive) {
            ++deaths_;
            if (markers_.size() < kRenderMaxMarkers) markers_.push_back({at.x, at.y, id});
        }
        const bool jumped = !t.seen || std::hypot(at.x - t.last.x, at.y - t.last.y) > kJumpMetres;
        if (p.alive) {
            if (jumped || !t.alive) {
                t.segments.push_back({at});
                ++points_;
            } else {
                const Point& kept = t.segments.back().back();
                if (std::hypot(at.x - kept.x, at.y - kept.y) >= minStep_) {
                    t.segments.back().push_back(at);
                    ++points_;
                }
            }
        }
        t.last = at;
        t.alive = p.alive;
        t.seen = true;
        if (points_ > kRenderMaxPathPoints) thin();
    }

    // Keeps points at least twice as far apart as before (the ends of each segment stay).
    void thin() {
        minStep_ *= 2.0f;
        points_ = 0;
        for (auto& [id, t] : tracks_) {
            for (auto& seg : t.segments) {
                std::vector<Point> kept;
                for (std::size_t i = 0; i < seg.size(); ++i) {
                    if (kept.empty() || i + 1 == seg.size() ||
                        std::hypot(seg[i].x - kept.back().x, seg[i].y - kept.back().y) >= minStep_) {
                        kept.push_back(seg[i]);
                    }
                }
                seg = std::move(kept);
                points_ += seg.size();
            }
        }
    }

    /// A colour per entity id, spread round the hue circle by the golden ratio.
    static view::Rgba colourOf(tickwire::engine::EntityId id) {
        const double h = std::fmod(static_cast<double>(id) * 0.618033988749895, 1.0) * 6.0;
        const double s = 0.7, v = 1.0;
        const double c = v * s;
        const double x = c * (1.0 - std::abs(std::fmod(h, 2.0) - 1.0));
        double r = 0, g = 0, b = 0;
        switch (static_cast<int>(h)) {
            case 0: r = c; g = x; break;
            case 1: r = x; g = c; break;
            case 2: g = c; b = x; break;
            case 3: g = x; b = c; break;
            case 4: r = x; b = c; break;
            default: r = c; b = x; break;
        }
        const double m = v - c;
        auto byte = [](double f) { return static_cast<std::uint8_t>(std::lround(std::clamp(f, 0.0, 1.0) * 255.0)); };
        return {byte(r + m), byte(g + m), byte(b + m), 220};
    }

    void drawTop(view::Canvas& top, const std::string& title) const {
        view::drawArena(top, {});
        const float thickness = std::max(1.0f, static_cast<float>(view::pixelsPerMetre(top)) * 0.08f);
        for (const auto& [id, t] : tracks_) {
            const view::Rgba colour = colourOf(id);
            for (const auto& seg : t.segments) {
                for (std::size_t i = 1; i < seg.size(); ++i) {
                    const auto [x0, y0] = view::worldToCanvas(top, seg[i - 1].x, seg[i - 1].y);
                    const auto [x1, y1] = view::worldToCanvas(top, seg[i].x, seg[i].y);
                    top.line(x0, y0, x1, y1, colour, thickness);
                }
            }
        }
        const float arm = std::max(3.0f, static_cast<float>(view::pixelsPerMetre(top)) * 0.3f);
        // A dark outline keeps the white X readable over the paths.
        for (const auto& m : markers_) {
            const auto [x, y] = view::worldToCanvas(top, m.x, m.y);
            top.line(x - arm, y - arm, x + arm, y + arm, view::Rgba{0, 0, 0, 255}, thickness + 2.0f);
            top.line(x - arm, y + arm, x + arm, y - arm, view::Rgba{0, 0, 0, 255}, thickness + 2.0f);
            top.line(x - arm, y - arm, x + arm, y + arm, view::Rgba{255, 255, 255, 255}, thickness);
            top.line(x - arm, y + arm, x + arm, y - arm, view::Rgba{255, 255, 255, 255}, thickness);
        }
        char text[160];
        std::snprintf(text, sizeof text, "ticks %u..%u  %zu players  %llu deaths", seenFirst_.value_or(firstTick_),
                      seenFirst_ ? seenLast_ : lastTick_, tracks_.size(), static_cast<unsigned long long>(deaths_));
        // On a panel: the title crosses the top wall, which is as light as the text.
        const std::string lines = title + "\n" + text;
        top.fillRect(4.0f, 4.0f, 12.0f + static_cast<float>(view::textWidth(lines, 2)),
                     12.0f + static_cast<float>(view::textHeight(lines, 2)), view::kPanelColour);
        top.text(8.0f, 8.0f, lines, view::kTextColour, 2);
    }

    /// 1, 2 or 5 × 10^k, the smallest at or above `v` (1 for nothing to show).
    static double niceCeiling(double v) {
        if (!(v > 0) || !std::isfinite(v)) return 1.0;
        const double p = std::pow(10.0, std::floor(std::log10(v)));
        for (double m : {1.0, 2.0, 5.0, 10.0}) {
            if (v <= m * p) return m * p;
        }
        return 10.0 * p;
    }

    /// `v`, a multiple of `step` (1, 2 or 5 × 10^k), with as many decimals as the step needs.
    static std::string number(double v, double step) {
        const int decimals = step >= 1.0 ? 0 : std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6);
        char text[48];
        std::snprintf(text, sizeof text, "%.*f", decimals, v);
        return text;
    }

    void drawPlot(view::Canvas& canvas, int top, int height) const {
        static constexpr view::Rgba kAxis{150, 150, 160, 255};
        static constexpr view::Rgba kBandwidth{255, 170, 60, 255};
        static constexpr view::Rgba kEntities{90, 200, 255, 255};
        const int width = canvas.width();
        const float left = 70.0f, right = static_cast<float>(width) - 70.0f;
        const float y0 = static_cast<float>(top) + 22.0f, y1 = static_cast<float>(top + height) - 26.0f;
        canvas.fillRect(0.0f, static_cast<float>(top), static_cast<float>(width), static_cast<float>(top + height),
                        view::Rgba{18, 20, 26, 255});
        const double seconds = bucketTicks_ * static_cast<double>(buckets_.size()) / tickRate_;
        const double bucketSeconds = bucketTicks_ / tickRate_;
        std::vector<std::optional<double>> rate(buckets_.size()), count(buckets_.size());
        double maxRate = 0, maxCount = 0;
        for (std::size_t i = 0; i < buckets_.size(); ++i) {
            const Bucket& b = buckets_[i];
            if (b.frames == 0) continue;
            rate[i] = static_cast<double>(b.bytes) * 8.0 / bucketSeconds / 1000.0;  // kbit/s
            count[i] = static_cast<double>(b.entities) / static_cast<double>(b.frames);
            maxRate = std::max(maxRate, *rate[i]);
            maxCount = std::max(maxCount, *count[i]);
        }
        // Four steps up each axis, each 1, 2 or 5 × 10^k, so that every label is short.
        const double rateStep = niceCeiling(maxRate / 4.0), countStep = niceCeiling(maxCount / 4.0);
        const double rateTop = 4.0 * rateStep, countTop = 4.0 * countStep;
        // Axes: time along the bottom, kbit/s on the left, entities on the right.
        canvas.line(left, y1, right, y1, kAxis);
        canvas.line(left, y0, left, y1, kBandwidth);
        canvas.line(right, y0, right, y1, kEntities);
        canvas.text(left, static_cast<float>(top) + 6.0f, "ENCODED FRAMES KBIT/S", kBandwidth);
        const std::string countLabel = "ENTITIES";
        canvas.text(right - static_cast<float>(view::textWidth(countLabel)), static_cast<float>(top) + 6.0f, countLabel,
                    kEntities);
        for (int i = 0; i <= 4; ++i) {
            const float y = y1 - (y1 - y0) * static_cast<float>(i) / 4.0f;
            const std::string r = number(rateStep * i, rateStep);
            canvas.text(left - 6.0f - static_cast<float>(view::textWidth(r)), y - 3.0f, r, kBandwidth);
            canvas.text(right + 6.0f, y - 3.0f, number(countStep * i, countStep), kEntities);
            canvas.line(left - 3.0f, y, left, y, kBandwidth);
            canvas.line(right, y, right + 3.0f, y, kEntities);
        }
        const double step = niceCeiling(seconds / 8.0);
        for (double s = 0; s <= seconds + 1e-9 && step > 0; s += step) {
            const float x = left + (right - left) * static_cast<float>(s / seconds);
            canvas.line(x, y1, x, y1 + 3.0f, kAxis);
            const std::string label = number(s, step);
            canvas.text(x - static_cast<float>(view::textWidth(label)) / 2.0f, y1 + 6.0f, label, kAxis);
        }
        canvas.text(right - static_cast<float>(view::textWidth("TIME S")), y1 + 15.0f, "TIME S", kAxis);
        auto series = [&](const std::vector<std::optional<double>>& v, double vTop, view::Rgba colour) {
            // The previous point as a flag and two floats: an std::optional here draws a
            // false -Wmaybe-uninitialized from g++ 12 at -Os.
            bool hasPrevious = false;
            float previousX = 0.0f;
            float previousY = 0.0f;
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (!v[i]) {
                    hasPrevious = false;  // no frame here: a gap, not a drop to zero
                    continue;
                }
                const float x = left + (right - left) * static_cast<float>((static_cast<double>(i) + 0.5) /
                                                                          static_cast<double>(v.size()));
                const float y = y1 - (y1 - y0) * static_cast<float>(*v[i] / vTop);
                if (hasPrevious) {
                    canvas.line(previousX, previousY, x, y, colour, 2.0f);
                } else {
                    canvas.fillCircle(x, y, 1.5f, colour);
                }
                hasPrevious = true;
                previousX = x;
                previousY = y;
            }
        };
        series(count, countTop, kEntities);
        series(rate, rateTop, kBandwidth);
    }

    std::uint32_t tickRate_;
    std::uint32_t firstTick_;
    std::uint32_t lastTick_;
    double bucketTicks_ = 1.0;
    std::vector<Bucket> buckets_;
    std::map<tickwire::engine::EntityId, Track> tracks_;
    std::vector<Marker> markers_;
    std::size_t points_ = 0;
    float minStep_ = 0.2f;
    std::uint64_t frames_ = 0;
    std::uint64_t deaths_ = 0;
    std::optional<std::uint32_t> seenFirst_;
    std::uint32_t seenLast_ = 0;
};

}  // namespace arena
