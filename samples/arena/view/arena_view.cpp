#include "view/arena_view.hpp"

#include "arena_game.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace arena::view {

namespace {

constexpr double kArenaWidthM = kWidthCm / 100.0;
constexpr double kArenaHeightM = kHeightCm / 100.0;
constexpr double kPlayerRadiusM = kPlayerRadiusCm / 100.0;
// How far the aim line sticks out of the disc.
constexpr double kAimLengthM = 0.5;

struct Layout {
    double scale = 0.0;  // pixels per metre
    double left = 0.0;   // canvas x of world x = 0
    double top = 0.0;    // canvas y of world y = kArenaHeightM
};

Layout layoutOf(const Canvas& canvas) noexcept {
    Layout l;
    if (canvas.empty()) return l;
    l.scale = std::min(canvas.width() / kArenaWidthM, canvas.height() / kArenaHeightM);
    l.left = (canvas.width() - kArenaWidthM * l.scale) / 2.0;
    l.top = (canvas.height() - kArenaHeightM * l.scale) / 2.0;
    return l;
}

struct Point {
    float x;
    float y;
};

Point toCanvas(const Layout& l, double x, double y) noexcept {
    return {static_cast<float>(l.left + x * l.scale), static_cast<float>(l.top + (kArenaHeightM - y) * l.scale)};
}

bool drawable(const ViewPlayer& p) noexcept { return std::isfinite(p.x) && std::isfinite(p.y); }

// A number for the overlay, or "--" when there is none to show; clamped so that no value,
// however absurd, makes a line run off the panel.
std::string number(double v, int decimals) {
    if (!std::isfinite(v)) return "--";
    v = std::clamp(v, -999999.0, 999999.0);
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
    return buffer;
}

std::string minutesSeconds(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0) seconds = 0.0;
    const auto whole = static_cast<int>(std::min(std::floor(seconds), 99.0 * 60.0 + 59.0));
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%d:%02d", whole / 60, whole % 60);
    return buffer;
}

void drawWalls(Canvas& canvas, const Layout& l) {
    for (const Rect& w : kWalls) {
        const Point a = toCanvas(l, w.minX / 100.0, w.minY / 100.0);
        const Point b = toCanvas(l, w.maxX / 100.0, w.maxY / 100.0);
        canvas.fillRect(a.x, a.y, b.x, b.y, kWallColour);
    }
}

void drawTracer(Canvas& canvas, const Layout& l, const ViewPlayer& p) {
    const double dx = std::cos(p.aim);
    const double dy = std::sin(p.aim);
    if (!std::isfinite(dx) || !std::isfinite(dy)) return;
    // The shot stops where the server's would: at the first wall on its way.
    const tickwire::engine::Vec3f origin{static_cast<float>(p.x), static_cast<float>(p.y), 0.0f};
    const tickwire::engine::Vec3f dir{static_cast<float>(dx), static_cast<float>(dy), 0.0f};
    const double reach = wallDistance(origin, dir, kShotRange);
    if (!(reach > kPlayerRadiusM)) return;
    const Point from = toCanvas(l, p.x + dx * kPlayerRadiusM, p.y + dy * kPlayerRadiusM);
    const Point to = toCanvas(l, p.x + dx * reach, p.y + dy * reach);
    canvas.line(from.x, from.y, to.x, to.y, kTracerColour, static_cast<float>(std::max(1.0, l.scale * 0.08)));
}

void drawPlayer(Canvas& canvas, const Layout& l, const ViewPlayer& p) {
    const Point c = toCanvas(l, p.x, p.y);
    const double r = std::max(2.0, kPlayerRadiusM * l.scale);
    if (!p.alive) {
        canvas.strokeCircle(c.x, c.y, static_cast<float>(r), p.local ? kLocalDeadColour : kRemoteDeadColour,
                            static_cast<float>(std::max(1.0, r * 0.25)));
        return;
    }
    canvas.fillCircle(c.x, c.y, static_cast<float>(r), p.local ? kLocalColour : kRemoteColour);

    // The aim starts at the edge of the disc, so the disc itself keeps the player's colour.
    const double dx = std::cos(p.aim);
    const double dy = std::sin(p.aim);
    const Point from = toCanvas(l, p.x + dx * kPlayerRadiusM, p.y + dy * kPlayerRadiusM);
    const Point to = toCanvas(l, p.x + dx * (kPlayerRadiusM + kAimLengthM), p.y + dy * (kPlayerRadiusM + kAimLengthM));
    canvas.line(from.x, from.y, to.x, to.y, kAimColour, static_cast<float>(std::max(1.0, l.scale * 0.1)));

    const double barWidth = std::max(8.0, r * 2.4);
    const double barHeight = std::max(2.0, r * 0.35);
    const double barBottom = c.y - r - std::max(2.0, r * 0.3);
    const double barLeft = c.x - barWidth / 2.0;
    const double fraction = std::clamp(static_cast<double>(p.health) / static_cast<double>(kMaxHealth), 0.0, 1.0);
    const auto fx = [](double v) { return static_cast<float>(v); };
    canvas.fillRect(fx(barLeft), fx(barBottom - barHeight), fx(barLeft + barWidth), fx(barBottom),
                    kHealthMissingColour);
    canvas.fillRect(fx(barLeft), fx(barBottom - barHeight), fx(barLeft + barWidth * fraction), fx(barBottom),
                    kHealthColour);
}

struct OverlayLine {
    std::string text;
    Rgba colour;
};

std::vector<OverlayLine> overlayLines(const NetOverlay& o, const std::vector<ViewPlayer>& players) {
    std::vector<OverlayLine> lines;
    if (!o.connected) lines.push_back({"DISCONNECTED", kWarningColour});
    lines.push_back({"RTT " + number(o.rttMs, 0) + " ms", kTextColour});
    lines.push_back({"LOSS " + number(o.lossPct, 1) + " %", kTextColour});
    lines.push_back({"IN " + number(o.kbpsIn, 1) + " KBIT/S  OUT " + number(o.kbpsOut, 1) + " KBIT/S", kTextColour});
    lines.push_back({"CORR " + std::to_string(o.corrections), kTextColour});
    lines.push_back({"INTERP " + number(o.interpDelayMs, 0) + " ms", kTextColour});
    lines.push_back({"TICK " + std::to_string(o.tick), kTextColour});
    lines.push_back({"TIME " + minutesSeconds(o.matchSecondsLeft), kTextColour});
    if (players.empty()) return lines;

    std::vector<const ViewPlayer*> ranked;
    ranked.reserve(players.size());
    for (const ViewPlayer& p : players) ranked.push_back(&p);
    std::sort(ranked.begin(), ranked.end(), [](const ViewPlayer* a, const ViewPlayer* b) {
        return a->score != b->score ? a->score > b->score : a->id < b->id;
    });
    lines.push_back({"", kTextColour});
    for (std::size_t i = 0; i < ranked.size() && i < kMaxScoreboardLines; ++i) {
        const ViewPlayer& p = *ranked[i];
        std::string line = "#";
        line += std::to_string(p.id);
        line += "  ";
        line += std::to_string(p.score);
        if (p.local) line += "  < YOU";
        lines.push_back({std::move(line), p.local ? kLocalColour : kTextColour});
    }
    if (ranked.size() > kMaxScoreboardLines) {
        lines.push_back({"+" + std::to_string(ranked.size() - kMaxScoreboardLines) + " MORE", kTextColour});
    }
    return lines;
}

void drawOverlay(Canvas& canvas, const NetOverlay& o, const std::vector<ViewPlayer>& players) {
    // Readable at a glance on a small window, not enormous on a large one.
    const int scale = std::clamp(std::min(canvas.width(), canvas.height()) / 400, 1, 4);
    const int margin = 6 * scale;
    const int pad = 4 * scale;
    const std::vector<OverlayLine> lines = overlayLines(o, players);
    int width = 0;
    for (const OverlayLine& line : lines) width = std::max(width, textWidth(line.text, scale));
    const int height = static_cast<int>(lines.size()) * kLineAdvance * scale - (kLineAdvance - kGlyphHeight) * scale;
    canvas.fillRect(static_cast<float>(margin), static_cast<float>(margin), static_cast<float>(margin + width + 2 * pad),
                    static_cast<float>(margin + height + 2 * pad), kPanelColour);
    int y = margin + pad;
    for (const OverlayLine& line : lines) {
        canvas.text(static_cast<float>(margin + pad), static_cast<float>(y), line.text, line.colour, scale);
        y += kLineAdvance * scale;
    }
}

}  // namespace

double pixelsPerMetre(const Canvas& canvas) noexcept { return layoutOf(canvas).scale; }

std::pair<float, float> worldToCanvas(const Canvas& canvas, double xMetres, double yMetres) noexcept {
    if (canvas.empty()) return {0.0f, 0.0f};
    const Point p = toCanvas(layoutOf(canvas), xMetres, yMetres);
    return {p.x, p.y};
}

void drawArena(Canvas& canvas, const ViewModel& model) {
    if (canvas.empty()) return;
    const Layout l = layoutOf(canvas);
    canvas.clear(kBackgroundColour);
    const Point corner0 = toCanvas(l, 0.0, 0.0);
    const Point corner1 = toCanvas(l, kArenaWidthM, kArenaHeightM);
    canvas.fillRect(corner0.x, corner0.y, corner1.x, corner1.y, kFloorColour);
    drawWalls(canvas, l);

    // Tracers under every disc, so a shot never hides who fired it or who it passed.
    for (const ViewPlayer& p : model.players) {
        if (drawable(p) && p.alive && p.firing) drawTracer(canvas, l, p);
    }
    for (const ViewPlayer& p : model.players) {
        if (drawable(p) && !p.local) drawPlayer(canvas, l, p);
    }
    for (const ViewPlayer& p : model.players) {
        if (drawable(p) && p.local) drawPlayer(canvas, l, p);
    }
    if (model.ghost && drawable(*model.ghost)) {
        const Point c = toCanvas(l, model.ghost->x, model.ghost->y);
        const double r = std::max(2.0, kPlayerRadiusM * l.scale);
        canvas.strokeCircle(c.x, c.y, static_cast<float>(r), kGhostColour, static_cast<float>(std::max(1.0, r * 0.2)));
    }
    if (model.overlay) drawOverlay(canvas, *model.overlay, model.players);
}

}  // namespace arena::view
