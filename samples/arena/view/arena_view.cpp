#include "view/arena_view.hpp"

#include "arena_game.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

namespace arena::view {

namespace {

constexpr double kArenaWidthM = kWidthCm / 100.0;
constexpr double kArenaHeightM = kHeightCm / 100.0;
constexpr double kPlayerRadiusM = kPlayerRadiusCm / 100.0;
// How far the aim line sticks out of the disc.
constexpr double kAimLengthM = 0.5;
// Axis ticks and the floor grid.
constexpr double kGridM = 5.0;

bool drawable(const ViewPlayer& p) noexcept { return std::isfinite(p.x) && std::isfinite(p.y); }

// A number for the panel, or "--" when there is none to show; clamped so that no value,
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

void fillRect(cairo_t* cr, double x0, double y0, double x1, double y1, Rgba colour) {
    setColour(cr, colour);
    cairo_rectangle(cr, std::min(x0, x1), std::min(y0, y1), std::abs(x1 - x0), std::abs(y1 - y0));
    cairo_fill(cr);
}

void line(cairo_t* cr, double x0, double y0, double x1, double y1, Rgba colour, double width) {
    setColour(cr, colour);
    cairo_set_line_width(cr, width);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

// The marks, in pixels, so that the legend draws exactly what the arena shows.

void disc(cairo_t* cr, double cx, double cy, double r, Rgba colour) {
    setColour(cr, colour);
    cairo_new_path(cr);  // no line from wherever the last text or stroke ended
    cairo_arc(cr, cx, cy, r, 0.0, 2.0 * std::numbers::pi);
    cairo_fill(cr);
}

// A ring whose outer edge is at radius r.
void ring(cairo_t* cr, double cx, double cy, double r, double thickness, Rgba colour) {
    setColour(cr, colour);
    cairo_set_line_width(cr, thickness);
    cairo_new_path(cr);
    cairo_arc(cr, cx, cy, std::max(0.5, r - thickness / 2.0), 0.0, 2.0 * std::numbers::pi);
    cairo_stroke(cr);
}

double ringThickness(double r) { return std::max(1.5, r * 0.25); }

// The aim starts at the edge of the disc, so the disc itself keeps the player's colour.
void aimLine(cairo_t* cr, double cx, double cy, double r, double aim, double length) {
    const double dx = std::cos(aim);
    const double dy = -std::sin(aim);  // y grows up in the world, down in the picture
    if (!std::isfinite(dx) || !std::isfinite(dy)) return;
    line(cr, cx + dx * r, cy + dy * r, cx + dx * (r + length), cy + dy * (r + length), kAimColour,
         std::max(1.5, r * 0.25));
}

// Above the disc: filled part for the health left, the rest dark.
void healthBar(cairo_t* cr, double cx, double cy, double r, int health) {
    const double width = std::max(12.0, r * 3.0);
    const double height = std::max(3.0, r * 0.45);
    const double bottom = cy - r - std::max(2.0, r * 0.35);
    const double left = cx - width / 2.0;
    const double fraction = std::clamp(static_cast<double>(health) / static_cast<double>(kMaxHealth), 0.0, 1.0);
    fillRect(cr, left, bottom - height, left + width, bottom, kHealthMissingColour);
    fillRect(cr, left, bottom - height, left + width * fraction, bottom, kHealthColour);
}

void drawTracer(cairo_t* cr, const ArenaFrame& f, const ViewPlayer& p) {
    const double dx = std::cos(p.aim);
    const double dy = std::sin(p.aim);
    if (!std::isfinite(dx) || !std::isfinite(dy)) return;
    // The shot stops where the server's would: at the first wall on its way.
    const tickwire::engine::Vec3f origin{static_cast<float>(p.x), static_cast<float>(p.y), 0.0f};
    const tickwire::engine::Vec3f dir{static_cast<float>(dx), static_cast<float>(dy), 0.0f};
    const double reach = wallDistance(origin, dir, kShotRange);
    if (!(reach > kPlayerRadiusM)) return;
    const auto [x0, y0] = f.toPicture(p.x + dx * kPlayerRadiusM, p.y + dy * kPlayerRadiusM);
    const auto [x1, y1] = f.toPicture(p.x + dx * reach, p.y + dy * reach);
    line(cr, x0, y0, x1, y1, kTracerColour, std::max(1.5, f.scale * 0.1));
}

void drawPlayer(cairo_t* cr, const ArenaFrame& f, const ViewPlayer& p) {
    const auto [cx, cy] = f.toPicture(p.x, p.y);
    const double r = std::max(3.0, kPlayerRadiusM * f.scale);
    if (!p.alive) {
        ring(cr, cx, cy, r, ringThickness(r), p.local ? kLocalDeadColour : kRemoteDeadColour);
        return;
    }
    disc(cr, cx, cy, r, p.local ? kLocalColour : kRemoteColour);
    aimLine(cr, cx, cy, r, p.aim, kAimLengthM * f.scale);
    healthBar(cr, cx, cy, r, p.health);
}

// Around the player's disc rather than on it: the server's position is most often where
// the prediction put the player, and a ring of the disc's size would hide under it.
void ghostRing(cairo_t* cr, double cx, double cy, double r) {
    const double thickness = std::max(2.0, r * 0.25);
    ring(cr, cx, cy, r + thickness * 1.5, thickness, kGhostColour);
}

void drawGhost(cairo_t* cr, const ArenaFrame& f, const ViewPlayer& g) {
    const auto [cx, cy] = f.toPicture(g.x, g.y);
    ghostRing(cr, cx, cy, std::max(3.0, kPlayerRadiusM * f.scale));
}

// The side panel, a line at a time from the top.
class Panel {
public:
    Panel(cairo_t* cr, double left, double right, double bottom, double fontSize)
        : cr_(cr), left_(left), right_(right), bottom_(bottom), size_(fontSize), y_(fontSize * 0.6) {}

    [[nodiscard]] bool fits(int lines = 1) const { return y_ + lineHeight() * lines <= bottom_; }
    [[nodiscard]] double lineHeight() const { return size_ * 1.5; }

    void heading(const std::string& text) {
        y_ += size_ * 0.5;
        if (!fits()) return;
        drawText(cr_, left_, baseline(), text, kDimTextColour, size_, Align::Left, true);
        y_ += lineHeight();
    }

    // A line of the legend: `icon` draws into the box (x, y, w, h) left of the text.
    template <class Icon>
    void legend(const std::string& text, Icon icon) {
        if (!fits()) return;
        const double box = size_ * 2.0;
        cairo_save(cr_);
        icon(left_, y_, box, lineHeight());
        cairo_restore(cr_);
        drawText(cr_, left_ + box + size_ * 0.6, baseline(), text, kTextColour, size_);
        y_ += lineHeight();
    }

    // A label on the left and its value flush right.
    void figure(const std::string& label, const std::string& value, Rgba colour = kTextColour) {
        if (!fits()) return;
        drawText(cr_, left_, baseline(), label, colour == kTextColour ? kDimTextColour : colour, size_);
        drawText(cr_, right_, baseline(), value, colour, size_, Align::Right);
        y_ += lineHeight();
    }

    void text(const std::string& text, Rgba colour) {
        if (!fits()) return;
        drawText(cr_, left_, baseline(), text, colour, size_);
        y_ += lineHeight();
    }

    [[nodiscard]] int linesLeft() const {
        return std::max(0, static_cast<int>(std::floor((bottom_ - y_) / lineHeight())));
    }

private:
    [[nodiscard]] double baseline() const { return y_ + size_ * 1.1; }

    cairo_t* cr_;
    double left_;
    double right_;
    double bottom_;
    double size_;
    double y_;
};

void drawLegend(cairo_t* cr, Panel& panel, double fontSize) {
    const double r = fontSize * 0.5;
    panel.heading("Legend");
    panel.legend("you (predicted)", [&](double x, double y, double w, double h) {
        disc(cr, x + w / 2, y + h / 2, r, kLocalColour);
        aimLine(cr, x + w / 2, y + h / 2, r, 0.0, r * 0.7);
    });
    panel.legend("others (interpolated)", [&](double x, double y, double w, double h) {
        disc(cr, x + w / 2, y + h / 2, r, kRemoteColour);
    });
    panel.legend("dead player", [&](double x, double y, double w, double h) {
        ring(cr, x + w / 2 - r * 0.6, y + h / 2, r, ringThickness(r), kLocalDeadColour);
        ring(cr, x + w / 2 + r * 0.6, y + h / 2, r, ringThickness(r), kRemoteDeadColour);
    });
    panel.legend("server's position of you (G)", [&](double x, double y, double w, double h) {
        disc(cr, x + w / 2, y + h / 2, r * 0.75, kLocalColour);
        ghostRing(cr, x + w / 2, y + h / 2, r * 0.75);
    });
    panel.legend("aim", [&](double x, double y, double w, double h) {
        line(cr, x + w * 0.25, y + h / 2, x + w * 0.75, y + h / 2, kAimColour, std::max(1.5, r * 0.25));
    });
    panel.legend("shot, up to the first wall", [&](double x, double y, double w, double h) {
        line(cr, x + 1, y + h / 2, x + w - 1, y + h / 2, kTracerColour, std::max(1.5, r * 0.3));
    });
    panel.legend("health", [&](double x, double y, double w, double h) {
        const double left = x + w * 0.1, right = x + w * 0.9, mid = y + h / 2;
        fillRect(cr, left, mid - r * 0.3, right, mid + r * 0.3, kHealthMissingColour);
        fillRect(cr, left, mid - r * 0.3, left + (right - left) * 0.6, mid + r * 0.3, kHealthColour);
    });
    panel.legend("wall", [&](double x, double y, double w, double h) {
        fillRect(cr, x + w * 0.15, y + h * 0.2, x + w * 0.85, y + h * 0.8, kWallColour);
    });
}

void drawFigures(Panel& panel, const NetOverlay& o) {
    panel.heading("Network");
    if (!o.connected) panel.figure("disconnected", "", kWarningColour);
    panel.figure("RTT", number(o.rttMs, 0) + " ms");
    panel.figure("loss", number(o.lossPct, 1) + " %");
    panel.figure("in", number(o.kbpsIn, 1) + " kbit/s");
    panel.figure("out", number(o.kbpsOut, 1) + " kbit/s");
    panel.figure("corrections", std::to_string(o.corrections));
    panel.figure("interpolation", number(o.interpDelayMs, 0) + " ms");
    panel.figure("tick", std::to_string(o.tick));
    panel.figure("time left", minutesSeconds(o.matchSecondsLeft));
}

void drawScoreboard(Panel& panel, const std::vector<ViewPlayer>& players) {
    if (players.empty()) return;
    std::vector<const ViewPlayer*> ranked;
    ranked.reserve(players.size());
    for (const ViewPlayer& p : players) ranked.push_back(&p);
    std::sort(ranked.begin(), ranked.end(), [](const ViewPlayer* a, const ViewPlayer* b) {
        return a->score != b->score ? a->score > b->score : a->id < b->id;
    });
    panel.heading("Kills");
    // As many as fit, one line kept for "+N more" when some do not.
    const auto room = static_cast<std::size_t>(panel.linesLeft());
    std::size_t shown = ranked.size();
    if (shown > std::min(room, kMaxScoreboardLines)) shown = std::min(kMaxScoreboardLines, room > 0 ? room - 1 : 0);
    for (std::size_t i = 0; i < shown; ++i) {
        const ViewPlayer& p = *ranked[i];
        // Built by appending: g++ 12 warns falsely (-Wrestrict) about "#" + std::string at -O3.
        std::string name = "#";
        name += std::to_string(p.id);
        if (p.local) name += "  you";
        panel.figure(name, std::to_string(p.score), p.local ? kLocalColour : kTextColour);
    }
    if (ranked.size() > shown) {
        std::string more = "+";
        more += std::to_string(ranked.size() - shown);
        more += " more";
        panel.text(more, kDimTextColour);
    }
}

}  // namespace

std::pair<double, double> ArenaFrame::toPicture(double xMetres, double yMetres) const noexcept {
    return {left + xMetres * scale, top + (kArenaHeightM - yMetres) * scale};
}

double ArenaFrame::right() const noexcept { return left + kArenaWidthM * scale; }
double ArenaFrame::bottom() const noexcept { return top + kArenaHeightM * scale; }

ArenaFrame fitArena(double x, double y, double width, double height, double fontSize) noexcept {
    // Room for "30 m" left of the arena and one line of labels below it.
    const double axisLeft = fontSize * 3.0;
    const double axisBottom = fontSize * 1.8;
    const double w = width - axisLeft - fontSize * 0.8;  // the last x label sticks out right
    const double h = height - axisBottom - fontSize * 0.6;
    ArenaFrame f;
    if (!(w > 0.0) || !(h > 0.0)) return f;
    f.scale = std::min(w / kArenaWidthM, h / kArenaHeightM);
    f.left = x + axisLeft + (w - kArenaWidthM * f.scale) / 2.0;
    f.top = y + fontSize * 0.6 + (h - kArenaHeightM * f.scale) / 2.0;
    return f;
}

void drawArenaMap(cairo_t* cr, const ArenaFrame& f, double fontSize) {
    if (!(f.scale > 0.0)) return;
    cairo_save(cr);
    fillRect(cr, f.left, f.top, f.right(), f.bottom(), kFloorColour);
    for (double m = kGridM; m < kArenaWidthM; m += kGridM) {
        line(cr, f.left + m * f.scale, f.top, f.left + m * f.scale, f.bottom(), kGridColour, 1.0);
    }
    for (double m = kGridM; m < kArenaHeightM; m += kGridM) {
        line(cr, f.left, f.bottom() - m * f.scale, f.right(), f.bottom() - m * f.scale, kGridColour, 1.0);
    }
    for (const Rect& w : kWalls) {
        const auto [x0, y0] = f.toPicture(w.minX / 100.0, w.minY / 100.0);
        const auto [x1, y1] = f.toPicture(w.maxX / 100.0, w.maxY / 100.0);
        fillRect(cr, x0, y0, x1, y1, kWallColour);
    }
    // Axes in metres: ticks every 5 m, labels every 5 m or, where those would touch, every
    // 10 m; the unit on the last label of each.
    const double tick = fontSize * 0.4;
    const int labelEvery = kGridM * f.scale >= fontSize * 2.6 ? 1 : 2;
    int step = 0;
    for (double m = 0.0; m <= kArenaWidthM + 1e-9; m += kGridM, ++step) {
        const double x = f.left + m * f.scale;
        line(cr, x, f.bottom(), x, f.bottom() + tick, kDimTextColour, 1.0);
        if (step % labelEvery != 0) continue;
        const std::string label = std::to_string(static_cast<int>(m)) + (m + kGridM > kArenaWidthM ? " m" : "");
        drawText(cr, x, f.bottom() + tick + fontSize, label, kDimTextColour, fontSize, Align::Centre);
    }
    step = 0;
    for (double m = 0.0; m <= kArenaHeightM + 1e-9; m += kGridM, ++step) {
        const double y = f.bottom() - m * f.scale;
        line(cr, f.left - tick, y, f.left, y, kDimTextColour, 1.0);
        if (step % labelEvery != 0) continue;
        const std::string label = std::to_string(static_cast<int>(m)) + (m + kGridM > kArenaHeightM ? " m" : "");
        drawText(cr, f.left - tick * 1.5, y + fontSize * 0.35, label, kDimTextColour, fontSize, Align::Right);
    }
    cairo_restore(cr);
}

ViewLayout viewLayout(int width, int height) noexcept {
    ViewLayout l;
    if (width < 1 || height < 1) return l;
    l.fontSize = std::clamp(std::min(width, height) / 55.0, 9.0, 24.0);
    const double panelWidth = std::min(l.fontSize * 20.0, width * 0.45);
    // In a narrow picture the panel's lines must still fit across it.
    l.fontSize = std::max(6.0, std::min(l.fontSize, panelWidth / 20.0));
    l.panelLeft = width - panelWidth;
    const double margin = l.fontSize * 0.6;
    l.arena = fitArena(margin, margin, l.panelLeft - 2.0 * margin, height - 2.0 * margin, l.fontSize);
    return l;
}

void drawArena(cairo_t* cr, int width, int height, const ViewModel& model) {
    if (width < 1 || height < 1) return;
    const ViewLayout l = viewLayout(width, height);
    const ArenaFrame& f = l.arena;
    cairo_save(cr);
    fillRect(cr, 0, 0, width, height, kBackgroundColour);
    drawArenaMap(cr, f, l.fontSize);

    // Nothing drawn for the arena strays over its axes or the panel.
    cairo_save(cr);
    cairo_rectangle(cr, f.left, f.top, f.right() - f.left, f.bottom() - f.top);
    cairo_clip(cr);
    // Tracers under every disc, so a shot never hides who fired it or who it passed.
    for (const ViewPlayer& p : model.players) {
        if (drawable(p) && p.alive && p.firing) drawTracer(cr, f, p);
    }
    for (const ViewPlayer& p : model.players) {
        if (drawable(p) && !p.local) drawPlayer(cr, f, p);
    }
    for (const ViewPlayer& p : model.players) {
        if (drawable(p) && p.local) drawPlayer(cr, f, p);
    }
    if (model.ghost && drawable(*model.ghost)) drawGhost(cr, f, *model.ghost);
    cairo_restore(cr);

    fillRect(cr, l.panelLeft, 0, width, height, kPanelColour);
    Panel panel(cr, l.panelLeft + l.fontSize, width - l.fontSize, height - l.fontSize * 0.5, l.fontSize);
    drawLegend(cr, panel, l.fontSize);
    if (model.overlay) {
        drawFigures(panel, *model.overlay);
        drawScoreboard(panel, model.players);
    }
    cairo_restore(cr);
}

}  // namespace arena::view
