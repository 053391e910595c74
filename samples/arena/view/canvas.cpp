#include "view/canvas.hpp"

#include <tickwire/engine/checksum.hpp>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>
#include <utility>

namespace arena::view {

namespace {

// The font: 7 rows of 5 columns per glyph, '#' for a lit pixel. Written out as pictures so a
// glyph can be checked, or added, by eye.
struct Glyph {
    char c;
    const char* rows;  // kGlyphHeight × kGlyphWidth characters
};

// clang-format off
constexpr Glyph kFont[] = {
    {' ', "     " "     " "     " "     " "     " "     " "     "},
    {'0', " ### " "#   #" "#  ##" "# # #" "##  #" "#   #" " ### "},
    {'1', "  #  " " ##  " "  #  " "  #  " "  #  " "  #  " " ### "},
    {'2', " ### " "#   #" "    #" "   # " "  #  " " #   " "#####"},
    {'3', "#####" "   # " "  #  " "   # " "    #" "#   #" " ### "},
    {'4', "   # " "  ## " " # # " "#  # " "#####" "   # " "   # "},
    {'5', "#####" "#    " "#### " "    #" "    #" "#   #" " ### "},
    {'6', "  ## " " #   " "#    " "#### " "#   #" "#   #" " ### "},
    {'7', "#####" "    #" "   # " "  #  " " #   " " #   " " #   "},
    {'8', " ### " "#   #" "#   #" " ### " "#   #" "#   #" " ### "},
    {'9', " ### " "#   #" "#   #" " ####" "    #" "   # " " ##  "},
    {'A', " ### " "#   #" "#   #" "#####" "#   #" "#   #" "#   #"},
    {'B', "#### " "#   #" "#   #" "#### " "#   #" "#   #" "#### "},
    {'C', " ### " "#   #" "#    " "#    " "#    " "#   #" " ### "},
    {'D', "#### " "#   #" "#   #" "#   #" "#   #" "#   #" "#### "},
    {'E', "#####" "#    " "#    " "#### " "#    " "#    " "#####"},
    {'F', "#####" "#    " "#    " "#### " "#    " "#    " "#    "},
    {'G', " ### " "#   #" "#    " "# ###" "#   #" "#   #" " ####"},
    {'H', "#   #" "#   #" "#   #" "#####" "#   #" "#   #" "#   #"},
    {'I', " ### " "  #  " "  #  " "  #  " "  #  " "  #  " " ### "},
    {'J', "  ###" "   # " "   # " "   # " "   # " "#  # " " ##  "},
    {'K', "#   #" "#  # " "# #  " "##   " "# #  " "#  # " "#   #"},
    {'L', "#    " "#    " "#    " "#    " "#    " "#    " "#####"},
    {'M', "#   #" "## ##" "# # #" "# # #" "#   #" "#   #" "#   #"},
    {'N', "#   #" "#   #" "##  #" "# # #" "#  ##" "#   #" "#   #"},
    {'O', " ### " "#   #" "#   #" "#   #" "#   #" "#   #" " ### "},
    {'P', "#### " "#   #" "#   #" "#### " "#    " "#    " "#    "},
    {'Q', " ### " "#   #" "#   #" "#   #" "# # #" "#  # " " ## #"},
    {'R', "#### " "#   #" "#   #" "#### " "# #  " "#  # " "#   #"},
    {'S', " ####" "#    " "#    " " ### " "    #" "    #" "#### "},
    {'T', "#####" "  #  " "  #  " "  #  " "  #  " "  #  " "  #  "},
    {'U', "#   #" "#   #" "#   #" "#   #" "#   #" "#   #" " ### "},
    {'V', "#   #" "#   #" "#   #" "#   #" "#   #" " # # " "  #  "},
    {'W', "#   #" "#   #" "#   #" "# # #" "# # #" "# # #" " # # "},
    {'X', "#   #" "#   #" " # # " "  #  " " # # " "#   #" "#   #"},
    {'Y', "#   #" "#   #" " # # " "  #  " "  #  " "  #  " "  #  "},
    {'Z', "#####" "    #" "   # " "  #  " " #   " "#    " "#####"},
    {'.', "     " "     " "     " "     " "     " " ##  " " ##  "},
    {',', "     " "     " "     " "     " " ##  " "  #  " " #   "},
    {':', "     " " ##  " " ##  " "     " " ##  " " ##  " "     "},
    {';', "     " " ##  " " ##  " "     " " ##  " "  #  " " #   "},
    {'%', "##   " "##  #" "   # " "  #  " " #   " "#  ##" "   ##"},
    {'/', "     " "    #" "   # " "  #  " " #   " "#    " "     "},
    {'-', "     " "     " "     " "#####" "     " "     " "     "},
    {'+', "     " "  #  " "  #  " "#####" "  #  " "  #  " "     "},
    {'(', "   # " "  #  " " #   " " #   " " #   " "  #  " "   # "},
    {')', " #   " "  #  " "   # " "   # " "   # " "  #  " " #   "},
    {'[', " ### " " #   " " #   " " #   " " #   " " #   " " ### "},
    {']', " ### " "   # " "   # " "   # " "   # " "   # " " ### "},
    {'=', "     " "     " "#####" "     " "#####" "     " "     "},
    {'_', "     " "     " "     " "     " "     " "     " "#####"},
    {'#', " # # " " # # " "#####" " # # " "#####" " # # " " # # "},
    {'<', "   # " "  #  " " #   " "#    " " #   " "  #  " "   # "},
    {'>', " #   " "  #  " "   # " "    #" "   # " "  #  " " #   "},
    {'!', "  #  " "  #  " "  #  " "  #  " "  #  " "     " "  #  "},
    {'?', " ### " "#   #" "    #" "   # " "  #  " "     " "  #  "},
    {'\'', "  #  " "  #  " " #   " "     " "     " "     " "     "},
    {'"', " # # " " # # " "     " "     " "     " "     " "     "},
    {'*', "     " " # # " "  #  " "#####" "  #  " " # # " "     "},
};
// clang-format on

// What a character the font lacks draws as, so a missing glyph shows instead of vanishing.
constexpr const char* kUnknownGlyph = "#####" "#   #" "#   #" "#   #" "#   #" "#   #" "#####";

// Glyph pictures indexed by byte value; lower case letters share the upper case ones.
constexpr std::array<const char*, 256> makeGlyphTable() {
    std::array<const char*, 256> table{};
    for (auto& entry : table) entry = kUnknownGlyph;
    for (const Glyph& g : kFont) {
        table[static_cast<unsigned char>(g.c)] = g.rows;
        if (g.c >= 'A' && g.c <= 'Z') table[static_cast<unsigned char>(g.c - 'A' + 'a')] = g.rows;
    }
    return table;
}
constexpr std::array<const char*, 256> kGlyphTable = makeGlyphTable();

static_assert([] {
    for (const Glyph& g : kFont) {
        for (int i = 0; i < kGlyphWidth * kGlyphHeight; ++i) {
            if (g.rows[i] != ' ' && g.rows[i] != '#') return false;
        }
        if (g.rows[kGlyphWidth * kGlyphHeight] != '\0') return false;
    }
    return true;
}(), "every glyph is 5 × 7 characters of ' ' and '#'");

// Every coordinate goes through here before it becomes an index: NaN and anything outside
// [lo, hi] end up at a bound, so no cast overflows and no index leaves the buffer.
int clampToInt(double v, int lo, int hi) noexcept {
    if (!(v >= lo)) return lo;
    if (v > hi) return hi;
    return static_cast<int>(v);
}

bool finite(std::initializer_list<float> values) noexcept {
    return std::all_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); });
}

double sanitizeThickness(float thickness) noexcept {
    if (!(thickness >= 1.0f)) return 1.0;
    return std::min(thickness, kMaxThickness);
}

int sanitizeScale(int scale) noexcept { return std::clamp(scale, 1, kMaxTextScale); }

// First and last pixel index whose centre lies in the closed range [lo, hi], clipped to
// [0, size); first > last when there is none.
std::pair<int, int> centresWithin(double lo, double hi, int size) noexcept {
    return {clampToInt(std::ceil(lo - 0.5), 0, size), clampToInt(std::floor(hi - 0.5), -1, size - 1)};
}

// Narrows [lo, hi] (values of u) to where low <= k * u + c <= high; false when nothing is left.
bool narrow(double k, double c, double low, double high, double& lo, double& hi) noexcept {
    if (k == 0.0) return c >= low && c <= high;
    double a = (low - c) / k;
    double b = (high - c) / k;
    if (a > b) std::swap(a, b);
    lo = std::max(lo, a);
    hi = std::min(hi, b);
    return lo <= hi;
}

void blend(std::uint8_t* p, Rgba c) noexcept {
    if (c.a == 255) {
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
        p[3] = 255;
        return;
    }
    if (c.a == 0) return;
    // Straight-alpha "source over", in integers scaled by 255 × 255.
    const std::uint32_t src = c.a * 255u;
    const std::uint32_t dst = p[3] * (255u - c.a);
    const std::uint32_t total = src + dst;  // > 0 since c.a > 0
    const auto mix = [&](std::uint8_t s, std::uint8_t d) {
        return static_cast<std::uint8_t>((s * src + d * dst + total / 2) / total);
    };
    p[0] = mix(c.r, p[0]);
    p[1] = mix(c.g, p[1]);
    p[2] = mix(c.b, p[2]);
    p[3] = static_cast<std::uint8_t>((total + 127) / 255);
}

}  // namespace

int textWidth(std::string_view text, int scale) noexcept {
    scale = sanitizeScale(scale);
    std::size_t widest = 0;
    std::size_t current = 0;
    for (char c : text) {
        if (c == '\n') {
            current = 0;
            continue;
        }
        widest = std::max(widest, ++current);
    }
    if (widest == 0) return 0;
    // The last glyph has no trailing gap.
    const auto pixels = static_cast<double>(widest) * kGlyphAdvance * scale - scale;
    return clampToInt(pixels, 0, std::numeric_limits<int>::max());
}

int textHeight(std::string_view text, int scale) noexcept {
    scale = sanitizeScale(scale);
    if (text.empty()) return 0;
    const auto lines = static_cast<double>(std::count(text.begin(), text.end(), '\n'));
    return clampToInt((lines * kLineAdvance + kGlyphHeight) * scale, 0, std::numeric_limits<int>::max());
}

std::optional<Canvas> Canvas::create(int width, int height) {
    if (width < 1 || height < 1 || width > kMaxCanvasSide || height > kMaxCanvasSide) return std::nullopt;
    Canvas canvas;
    canvas.width_ = width;
    canvas.height_ = height;
    canvas.pixels_.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4u, 0);
    return canvas;
}

Rgba Canvas::pixel(int x, int y) const noexcept {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return {0, 0, 0, 0};
    const std::uint8_t* p = &pixels_[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 4u];
    return {p[0], p[1], p[2], p[3]};
}

void Canvas::setPixel(int x, int y, Rgba colour) noexcept {
    if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
    blend(&pixels_[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) + static_cast<std::size_t>(x)) * 4u], colour);
}

void Canvas::clear(Rgba colour) noexcept {
    for (std::size_t i = 0; i < pixels_.size(); i += 4) {
        pixels_[i] = colour.r;
        pixels_[i + 1] = colour.g;
        pixels_[i + 2] = colour.b;
        pixels_[i + 3] = colour.a;
    }
}

void Canvas::span(int y, double left, double right, Rgba colour) noexcept {
    if (y < 0 || y >= height_ || !(left <= right)) return;
    const auto [first, last] = centresWithin(left, right, width_);
    std::uint8_t* row = &pixels_[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) * 4u];
    for (int x = first; x <= last; ++x) blend(row + static_cast<std::size_t>(x) * 4u, colour);
}

void Canvas::fillRect(float x0, float y0, float x1, float y1, Rgba colour) noexcept {
    if (empty() || !finite({x0, y0, x1, y1})) return;
    if (x0 > x1) std::swap(x0, x1);
    if (y0 > y1) std::swap(y0, y1);
    // Half-open: the centre c = i + 0.5 is inside when x0 <= c < x1.
    const int colFirst = clampToInt(std::ceil(double{x0} - 0.5), 0, width_);
    const int colEnd = clampToInt(std::ceil(double{x1} - 0.5), 0, width_);
    const int rowFirst = clampToInt(std::ceil(double{y0} - 0.5), 0, height_);
    const int rowEnd = clampToInt(std::ceil(double{y1} - 0.5), 0, height_);
    for (int y = rowFirst; y < rowEnd; ++y) {
        std::uint8_t* row = &pixels_[static_cast<std::size_t>(y) * static_cast<std::size_t>(width_) * 4u];
        for (int x = colFirst; x < colEnd; ++x) blend(row + static_cast<std::size_t>(x) * 4u, colour);
    }
}

void Canvas::strokeRect(float x0, float y0, float x1, float y1, Rgba colour, float thickness) noexcept {
    if (empty() || !finite({x0, y0, x1, y1})) return;
    if (x0 > x1) std::swap(x0, x1);
    if (y0 > y1) std::swap(y0, y1);
    const auto t = static_cast<float>(sanitizeThickness(thickness));
    if (2.0f * t >= x1 - x0 || 2.0f * t >= y1 - y0) {
        fillRect(x0, y0, x1, y1, colour);
        return;
    }
    // Four bands that share their boundaries exactly, so a translucent outline has no
    // doubly painted corners.
    const float innerTop = y0 + t;
    const float innerBottom = y1 - t;
    fillRect(x0, y0, x1, innerTop, colour);
    fillRect(x0, innerBottom, x1, y1, colour);
    fillRect(x0, innerTop, x0 + t, innerBottom, colour);
    fillRect(x1 - t, innerTop, x1, innerBottom, colour);
}

void Canvas::line(float x0, float y0, float x1, float y1, Rgba colour, float thickness) noexcept {
    if (empty() || !finite({x0, y0, x1, y1})) return;
    // A capsule of radius r around the segment, filled row by row: convex, so each row is one
    // span, the union of the spans of its two end discs and its body. Floats squared stay far
    // from double's range, so nothing below overflows; rows and columns are clipped to the
    // canvas whatever the extent.
    const double r = sanitizeThickness(thickness) / 2.0;
    const double ax = x0;
    const double ay = y0;
    const double dx = double{x1} - ax;
    const double dy = double{y1} - ay;
    const double length = std::sqrt(dx * dx + dy * dy);
    const auto [rowFirst, rowLast] = centresWithin(std::min(ay, ay + dy) - r, std::max(ay, ay + dy) + r, height_);
    for (int y = rowFirst; y <= rowLast; ++y) {
        const double py = y + 0.5;
        double lo = std::numeric_limits<double>::infinity();
        double hi = -std::numeric_limits<double>::infinity();
        const auto disc = [&](double cx, double cy) {
            const double h2 = r * r - (py - cy) * (py - cy);
            if (h2 < 0.0) return;
            const double h = std::sqrt(h2);
            lo = std::min(lo, cx - h);
            hi = std::max(hi, cx + h);
        };
        disc(ax, ay);
        disc(ax + dx, ay + dy);
        if (length > 0.0) {
            // u = px - ax; along the segment: 0 <= u·dx + (py−ay)·dy <= |d|², across it:
            // |u·dy − (py−ay)·dx| <= r·|d|.
            double uLo = -std::numeric_limits<double>::infinity();
            double uHi = std::numeric_limits<double>::infinity();
            const double ry = py - ay;
            if (narrow(dx, ry * dy, 0.0, length * length, uLo, uHi) &&
                narrow(dy, -ry * dx, -r * length, r * length, uLo, uHi)) {
                lo = std::min(lo, ax + uLo);
                hi = std::max(hi, ax + uHi);
            }
        }
        span(y, lo, hi, colour);
    }
}

void Canvas::fillCircle(float cx, float cy, float radius, Rgba colour) noexcept {
    if (empty() || !finite({cx, cy, radius}) || !(radius > 0.0f)) return;
    const double r = radius;
    const auto [rowFirst, rowLast] = centresWithin(double{cy} - r, double{cy} + r, height_);
    for (int y = rowFirst; y <= rowLast; ++y) {
        const double dy = y + 0.5 - cy;
        const double h2 = r * r - dy * dy;
        if (h2 < 0.0) continue;
        const double h = std::sqrt(h2);
        span(y, cx - h, cx + h, colour);
    }
}

void Canvas::strokeCircle(float cx, float cy, float radius, Rgba colour, float thickness) noexcept {
    if (empty() || !finite({cx, cy, radius}) || !(radius > 0.0f)) return;
    const double r = radius;
    const double inner = r - sanitizeThickness(thickness);
    const auto [rowFirst, rowLast] = centresWithin(double{cy} - r, double{cy} + r, height_);
    for (int y = rowFirst; y <= rowLast; ++y) {
        const double dy = y + 0.5 - cy;
        const double h2 = r * r - dy * dy;
        if (h2 < 0.0) continue;
        const double outerHalf = std::sqrt(h2);
        if (inner > 0.0 && std::abs(dy) < inner) {
            const double innerHalf = std::sqrt(inner * inner - dy * dy);
            span(y, cx - outerHalf, cx - innerHalf, colour);
            span(y, cx + innerHalf, cx + outerHalf, colour);
        } else {
            span(y, cx - outerHalf, cx + outerHalf, colour);
        }
    }
}

void Canvas::text(float x, float y, std::string_view text, Rgba colour, int scale) noexcept {
    if (empty() || !finite({x, y})) return;
    scale = sanitizeScale(scale);
    const double s = scale;
    double penX = x;
    double penY = y;
    for (char c : text) {
        if (c == '\n') {
            penX = x;
            penY += kLineAdvance * s;
            continue;
        }
        // Glyphs wholly off the canvas cost nothing but the pen's advance.
        const bool visible = penX < width_ && penX + kGlyphWidth * s > 0.0 && penY < height_ &&
                             penY + kGlyphHeight * s > 0.0;
        if (visible) {
            const char* rows = kGlyphTable[static_cast<unsigned char>(c)];
            for (int row = 0; row < kGlyphHeight; ++row) {
                for (int col = 0; col < kGlyphWidth; ++col) {
                    if (rows[row * kGlyphWidth + col] != '#') continue;
                    const double left = penX + col * s;
                    const double top = penY + row * s;
                    fillRect(static_cast<float>(left), static_cast<float>(top), static_cast<float>(left + s),
                             static_cast<float>(top + s), colour);
                }
            }
        }
        penX += kGlyphAdvance * s;
    }
}

namespace {

void putU32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

// Appends a chunk whose data is whatever `fill` appends, then its length and CRC (which
// covers the type and the data).
template <class Fill>
void putChunk(std::vector<std::uint8_t>& out, const char (&type)[5], Fill&& fill) {
    const std::size_t lengthAt = out.size();
    putU32(out, 0);
    const std::size_t typeAt = out.size();
    out.insert(out.end(), type, type + 4);
    fill();
    const auto length = static_cast<std::uint32_t>(out.size() - typeAt - 4);
    for (int i = 0; i < 4; ++i) out[lengthAt + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(length >> (24 - 8 * i));
    putU32(out, tickwire::engine::crc32(std::span(out.data() + typeAt, out.size() - typeAt)));
}

// A zlib stream of stored deflate blocks, fed the raw bytes as they come: the total is known
// up front, so each block header can say its length and whether it is the last one.
class StoredZlib {
public:
    StoredZlib(std::vector<std::uint8_t>& out, std::size_t total) : out_(out), left_(total) {
        out_.push_back(0x78);  // deflate, 32 KiB window
        out_.push_back(0x01);  // no preset dictionary, fastest; 0x7801 is a multiple of 31
    }
    void put(const std::uint8_t* data, std::size_t size) {
        while (size > 0) {
            if (blockLeft_ == 0) startBlock();
            const std::size_t n = std::min(size, blockLeft_);
            out_.insert(out_.end(), data, data + n);
            adler(data, n);
            data += n;
            size -= n;
            blockLeft_ -= n;
            left_ -= n;
        }
    }
    void finish() {
        if (!started_) startBlock();  // an empty stream still needs one final block
        putU32(out_, (b_ << 16) | a_);
    }

private:
    static constexpr std::size_t kMaxBlock = 65535;
    static constexpr std::uint32_t kAdlerMod = 65521;

    void startBlock() {
        started_ = true;
        const std::size_t n = std::min(left_, kMaxBlock);
        out_.push_back(n == left_ ? 0x01 : 0x00);  // BFINAL, BTYPE = 00 (stored)
        const auto len = static_cast<std::uint16_t>(n);
        const auto nlen = static_cast<std::uint16_t>(~len);
        out_.push_back(static_cast<std::uint8_t>(len & 0xFFu));
        out_.push_back(static_cast<std::uint8_t>(len >> 8));
        out_.push_back(static_cast<std::uint8_t>(nlen & 0xFFu));
        out_.push_back(static_cast<std::uint8_t>(nlen >> 8));
        blockLeft_ = n;
    }
    void adler(const std::uint8_t* data, std::size_t size) {
        // 5552 bytes is the most that can be summed before b could overflow 32 bits.
        while (size > 0) {
            const std::size_t n = std::min<std::size_t>(size, 5552);
            for (std::size_t i = 0; i < n; ++i) {
                a_ += data[i];
                b_ += a_;
            }
            a_ %= kAdlerMod;
            b_ %= kAdlerMod;
            data += n;
            size -= n;
        }
    }

    std::vector<std::uint8_t>& out_;
    std::size_t left_;
    std::size_t blockLeft_ = 0;
    bool started_ = false;
    std::uint32_t a_ = 1;
    std::uint32_t b_ = 0;
};

}  // namespace

std::vector<std::uint8_t> encodePng(const Canvas& canvas) {
    std::vector<std::uint8_t> out;
    if (canvas.empty()) return out;
    const auto width = static_cast<std::size_t>(canvas.width());
    const auto height = static_cast<std::size_t>(canvas.height());
    const std::size_t rowBytes = width * 4u;
    const std::size_t raw = height * (1u + rowBytes);
    out.reserve(raw + raw / 65535u * 5u + 128u);

    constexpr std::uint8_t kSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    for (std::uint8_t b : kSignature) out.push_back(b);
    putChunk(out, "IHDR", [&] {
        putU32(out, static_cast<std::uint32_t>(width));
        putU32(out, static_cast<std::uint32_t>(height));
        out.push_back(8);  // bits per channel
        out.push_back(6);  // colour type: RGBA
        out.push_back(0);  // compression: deflate
        out.push_back(0);  // filter method 0
        out.push_back(0);  // not interlaced
    });
    putChunk(out, "IDAT", [&] {
        StoredZlib z(out, raw);
        const std::uint8_t noFilter = 0;
        const std::uint8_t* pixels = canvas.pixels().data();
        for (std::size_t y = 0; y < height; ++y) {
            z.put(&noFilter, 1);
            z.put(pixels + y * rowBytes, rowBytes);
        }
        z.finish();
    });
    putChunk(out, "IEND", [] {});
    return out;
}

bool writePng(const Canvas& canvas, const std::string& path, std::string* error) {
    const auto fail = [error](std::string why) {
        if (error) *error = std::move(why);
        return false;
    };
    const auto reason = [](int code) { return std::error_code(code, std::generic_category()).message(); };
    if (path.empty()) return fail("cannot write a PNG: the path is empty");
    if (canvas.empty()) return fail("cannot write " + path + ": the canvas is empty (0 x 0)");
    const std::vector<std::uint8_t> png = encodePng(canvas);

    std::string temp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) return fail("cannot create a temporary file beside " + path + ": " + reason(errno));
    const auto abandon = [&](std::string what, int code) {
        ::close(fd);
        ::unlink(temp.c_str());
        return fail(std::move(what) + ": " + reason(code));
    };
    // mkstemp makes the file private; a screenshot is meant to be read by others.
    if (::fchmod(fd, 0644) != 0) return abandon("cannot set the permissions of " + temp, errno);
    std::size_t written = 0;
    while (written < png.size()) {
        const ::ssize_t n = ::write(fd, png.data() + written, png.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return abandon("cannot write " + temp, errno);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        const int code = errno;
        ::unlink(temp.c_str());
        return fail("cannot write " + temp + ": " + reason(code));
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const int code = errno;
        ::unlink(temp.c_str());
        return fail("cannot rename " + temp + " to " + path + ": " + reason(code));
    }
    return true;
}

}  // namespace arena::view
