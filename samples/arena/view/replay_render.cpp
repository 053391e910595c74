#include "view/replay_render.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <numbers>

namespace arena {

ReplayRender::ReplayRender(std::uint32_t tickRate, std::uint32_t firstTick, std::uint32_t lastTick)
    : tickRate_(std::max<std::uint32_t>(tickRate, 1)), firstTick_(std::min(firstTick, lastTick)), lastTick_(std::max(firstTick, lastTick)) {
    const double spanTicks = static_cast<double>(lastTick_ - firstTick_) + 1.0;
    const auto seconds = static_cast<std::size_t>(std::ceil(spanTicks / tickRate_));
    buckets_.resize(std::clamp<std::size_t>(seconds, 1, kRenderMaxBuckets));
    bucketTicks_ = spanTicks / static_cast<double>(buckets_.size());
}

void ReplayRender::addFrame(const ArenaGame::World& world, std::size_t encodedBytes) {
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

ReplayRender::Layout ReplayRender::layout(int width, int height) noexcept {
    Layout l;
    const double w = width, h = height;
    l.fontSize = std::clamp(std::min(w, h) / 60.0, 9.0, 22.0);
    l.titleBottom = l.fontSize * 3.6;
    l.plotTop = h - std::max(h * 0.24, l.fontSize * 8.0);
    l.keyLeft = w - std::min(l.fontSize * 14.0, w * 0.4);
    const double margin = l.fontSize * 0.6;
    l.arena = view::fitArena(margin, l.titleBottom, l.keyLeft - 2.0 * margin, l.plotTop - l.titleBottom, l.fontSize);
    return l;
}

view::Rgba ReplayRender::pathColour(tickwire::engine::EntityId id) const {
    return colourOfRank(static_cast<std::size_t>(std::distance(tracks_.begin(), tracks_.lower_bound(id))));
}

bool ReplayRender::draw(cairo_t* cr, int width, int height, const std::string& title) const {
    if (width < kRenderMinSide || height < kRenderMinSide || width > view::kMaxPictureSide ||
        height > view::kMaxPictureSide) {
        return false;
    }
    const Layout l = layout(width, height);
    cairo_save(cr);
    view::setColour(cr, view::kBackgroundColour);
    cairo_paint(cr);
    drawTitle(cr, l, title);
    view::drawArenaMap(cr, l.arena, l.fontSize);
    drawPaths(cr, l);
    drawKey(cr, l, width);
    drawPlot(cr, l, width, height);
    cairo_restore(cr);
    return true;
}

view::Rgba ReplayRender::colourOfRank(std::size_t rank) {
    static constexpr std::array<view::Rgba, 12> kPalette{{
        {255, 99, 71, 255},   {80, 180, 255, 255},  {255, 215, 0, 255},   {186, 104, 255, 255},
        {80, 220, 120, 255},  {255, 140, 200, 255}, {0, 210, 210, 255},   {255, 160, 60, 255},
        {170, 220, 60, 255},  {150, 150, 255, 255}, {120, 255, 200, 255}, {200, 130, 90, 255},
    }};
    if (rank < kPalette.size()) return kPalette[rank];
    const double h = std::fmod(static_cast<double>(rank) * 0.618033988749895, 1.0) * 6.0;
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
    return {byte(r + m), byte(g + m), byte(b + m), 255};
}

void ReplayRender::addPlayer(tickwire::engine::EntityId id, const Player& p) {
    auto found = tracks_.find(id);
    if (found == tracks_.end()) {
        if (tracks_.size() >= kRenderMaxTracks) return;
        found = tracks_.emplace(id, Track{}).first;
    }
    Track& t = found->second;
    const Point at{static_cast<float>(p.x.get()), static_cast<float>(p.y.get())};
    if (t.seen && t.alive && !p.alive) {
        ++deaths_;
        ++t.deaths;
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

void ReplayRender::thin() {
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

void ReplayRender::line(cairo_t* cr, double x0, double y0, double x1, double y1, view::Rgba colour, double width) {
    view::setColour(cr, colour);
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

void ReplayRender::cross(cairo_t* cr, double x, double y, double arm, double width) {
    for (const auto& [colour, w] : {std::pair{view::Rgba{0, 0, 0, 255}, width + 2.0}, std::pair{view::Rgba{255, 255, 255, 255}, width}}) {
        line(cr, x - arm, y - arm, x + arm, y + arm, colour, w);
        line(cr, x - arm, y + arm, x + arm, y - arm, colour, w);
    }
}

void ReplayRender::drawTitle(cairo_t* cr, const Layout& l, const std::string& title) const {
    char text[200];
    const double seconds = seenFirst_ ? static_cast<double>(seenLast_ - *seenFirst_ + 1) / tickRate_ : 0.0;
    std::snprintf(text, sizeof text, "ticks %u..%u (%.1f s at %u Hz), %zu players, %llu deaths",
                  seenFirst_.value_or(firstTick_), seenFirst_ ? seenLast_ : lastTick_, seconds, tickRate_,
                  tracks_.size(), static_cast<unsigned long long>(deaths_));
    const double x = l.fontSize * 0.8;
    view::drawText(cr, x, l.fontSize * 1.5, title, view::kTextColour, l.fontSize * 1.1, view::Align::Left, true);
    view::drawText(cr, x, l.fontSize * 2.9, text, view::kDimTextColour, l.fontSize);
}

void ReplayRender::drawPaths(cairo_t* cr, const Layout& l) const {
    const view::ArenaFrame& f = l.arena;
    if (!(f.scale > 0.0)) return;
    cairo_save(cr);
    cairo_rectangle(cr, f.left, f.top, f.right() - f.left, f.bottom() - f.top);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_width(cr, std::max(1.5, f.scale * 0.12));
    std::size_t rank = 0;
    for (const auto& [id, t] : tracks_) {
        view::Rgba colour = colourOfRank(rank++);
        colour.a = 210;  // where paths cross, both stay visible
        view::setColour(cr, colour);
        for (const auto& seg : t.segments) {
            for (std::size_t i = 0; i < seg.size(); ++i) {
                const auto [x, y] = f.toPicture(seg[i].x, seg[i].y);
                if (i == 0) {
                    cairo_move_to(cr, x, y);
                } else {
                    cairo_line_to(cr, x, y);
                }
            }
            cairo_stroke(cr);
        }
    }
    const double arm = std::max(3.0, f.scale * 0.3);
    const double width = std::max(1.2, f.scale * 0.08);
    for (const auto& m : markers_) {
        const auto [x, y] = f.toPicture(m.x, m.y);
        cross(cr, x, y, arm, width);
    }
    cairo_restore(cr);
}

void ReplayRender::drawKey(cairo_t* cr, const Layout& l, int width) const {
    const double fs = l.fontSize;
    const double left = l.keyLeft + fs * 0.4, right = width - fs * 0.8;
    const double lineHeight = fs * 1.45;
    double y = l.titleBottom + fs * 0.6;
    cairo_save(cr);
    view::setColour(cr, view::kPanelColour);
    cairo_rectangle(cr, l.keyLeft, l.titleBottom, width - l.keyLeft, l.plotTop - l.titleBottom - fs * 0.6);
    cairo_fill(cr);
    const double swatch = fs * 1.8;
    const auto baseline = [&] { return y + fs * 1.05; };
    view::drawText(cr, left, baseline(), "Key", view::kDimTextColour, fs, view::Align::Left, true);
    y += lineHeight;
    line(cr, left + 2, y + lineHeight / 2, left + swatch - 2, y + lineHeight / 2, view::Rgba{200, 200, 200, 255}, 2.0);
    view::drawText(cr, left + swatch + fs * 0.5, baseline(), "a player's path", view::kTextColour, fs);
    y += lineHeight;
    cross(cr, left + swatch / 2, y + lineHeight / 2, fs * 0.35, 1.5);
    view::drawText(cr, left + swatch + fs * 0.5, baseline(), "a death", view::kTextColour, fs);
    y += lineHeight * 1.4;
    view::drawText(cr, left, baseline(), "player id", view::kDimTextColour, fs, view::Align::Left, true);
    view::drawText(cr, right, baseline(), "deaths", view::kDimTextColour, fs, view::Align::Right, true);
    y += lineHeight;
    const double bottom = l.plotTop - fs * 0.8;
    const auto room = static_cast<std::size_t>(std::max(0.0, std::floor((bottom - y) / lineHeight)));
    std::size_t shown = tracks_.size() <= room ? tracks_.size() : (room > 0 ? room - 1 : 0);
    std::size_t rank = 0;
    for (const auto& [id, t] : tracks_) {
        if (rank >= shown) break;
        line(cr, left + 2, y + lineHeight / 2, left + swatch - 2, y + lineHeight / 2, colourOfRank(rank++),
             std::max(3.0, fs * 0.3));
        view::drawText(cr, left + swatch + fs * 0.5, baseline(), std::to_string(id), view::kTextColour, fs);
        view::drawText(cr, right, baseline(), std::to_string(t.deaths), view::kTextColour, fs, view::Align::Right);
        y += lineHeight;
    }
    if (shown < tracks_.size()) {
        // Built by appending: g++ 12 warns falsely (-Wrestrict) about "+" + std::string at -O3.
        std::string more = "+";
        more += std::to_string(tracks_.size() - shown);
        more += " more";
        view::drawText(cr, left, baseline(), more, view::kDimTextColour, fs);
    }
    cairo_restore(cr);
}

double ReplayRender::niceCeiling(double v) {
    if (!(v > 0) || !std::isfinite(v)) return 1.0;
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (v <= m * p) return m * p;
    }
    return 10.0 * p;
}

std::string ReplayRender::number(double v, double step) {
    const int decimals = step >= 1.0 ? 0 : std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 6);
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", decimals, v);
    return text;
}

void ReplayRender::drawPlot(cairo_t* cr, const Layout& l, int width, int height) const {
    static constexpr view::Rgba kAxis{150, 154, 166, 255};
    static constexpr view::Rgba kBandwidth{255, 170, 60, 255};
    static constexpr view::Rgba kEntities{90, 200, 255, 255};
    const double fs = l.fontSize;
    const double left = fs * 5.0, right = width - fs * 5.0;
    const double y0 = l.plotTop + fs * 2.2, y1 = height - fs * 3.0;
    cairo_save(cr);
    view::setColour(cr, view::Rgba{18, 20, 26, 255});
    cairo_rectangle(cr, 0, l.plotTop, width, height - l.plotTop);
    cairo_fill(cr);
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
    for (int i = 1; i <= 4; ++i) {
        const double y = y1 - (y1 - y0) * i / 4.0;
        line(cr, left, y, right, y, view::Rgba{34, 38, 46, 255}, 1.0);
    }
    line(cr, left, y1, right, y1, kAxis, 1.0);
    line(cr, left, y0, left, y1, kBandwidth, 1.0);
    line(cr, right, y0, right, y1, kEntities, 1.0);
    view::drawText(cr, left, l.plotTop + fs * 1.3, "encoded frames, kbit/s", kBandwidth, fs, view::Align::Left, true);
    view::drawText(cr, right, l.plotTop + fs * 1.3, "entities", kEntities, fs, view::Align::Right, true);
    for (int i = 0; i <= 4; ++i) {
        const double y = y1 - (y1 - y0) * i / 4.0;
        view::drawText(cr, left - fs * 0.5, y + fs * 0.35, number(rateStep * i, rateStep), kBandwidth, fs,
                       view::Align::Right);
        view::drawText(cr, right + fs * 0.5, y + fs * 0.35, number(countStep * i, countStep), kEntities, fs);
        line(cr, left - fs * 0.3, y, left, y, kBandwidth, 1.0);
        line(cr, right, y, right + fs * 0.3, y, kEntities, 1.0);
    }
    const double step = niceCeiling(seconds / 8.0);
    for (double s = 0; s <= seconds + 1e-9 && step > 0; s += step) {
        const double x = left + (right - left) * (s / seconds);
        line(cr, x, y1, x, y1 + fs * 0.3, kAxis, 1.0);
        view::drawText(cr, x, y1 + fs * 1.4, number(s, step), kAxis, fs, view::Align::Centre);
    }
    view::drawText(cr, (left + right) / 2.0, y1 + fs * 2.7, "time since the first tick drawn, s", kAxis, fs,
                   view::Align::Centre);
    auto series = [&](const std::vector<std::optional<double>>& v, double vTop, view::Rgba colour) {
        view::setColour(cr, colour);
        cairo_set_line_width(cr, 2.0);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        // The previous point as a flag: an std::optional here draws a false
        // -Wmaybe-uninitialized from g++ 12 at -Os.
        bool hasPrevious = false;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i]) {
                if (hasPrevious) cairo_stroke(cr);
                hasPrevious = false;  // no frame here: a gap, not a drop to zero
                continue;
            }
            const double x = left + (right - left) * ((static_cast<double>(i) + 0.5) / static_cast<double>(v.size()));
            const double y = y1 - (y1 - y0) * (*v[i] / vTop);
            if (hasPrevious) {
                cairo_line_to(cr, x, y);
            } else {
                cairo_move_to(cr, x, y);
                cairo_arc(cr, x, y, 1.5, 0.0, 2.0 * std::numbers::pi);
                cairo_move_to(cr, x, y);
            }
            hasPrevious = true;
        }
        if (hasPrevious) cairo_stroke(cr);
    };
    series(count, countTop, kEntities);
    series(rate, rateTop, kBandwidth);
    cairo_restore(cr);
}

}  // namespace arena
