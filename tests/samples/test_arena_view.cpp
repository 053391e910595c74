// The arena viewer's drawing layer: canvas primitives, the PNG writer and drawArena.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "../support/temp_dir.hpp"
#include "arena_game.hpp"
#include "view/arena_view.hpp"
#include "view/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

using namespace arena::view;

namespace doctest {
template <>
struct StringMaker<Rgba> {
    static String convert(const Rgba& c) {
        std::string text = "{";
        text += std::to_string(c.r) + ", " + std::to_string(c.g) + ", " + std::to_string(c.b) + ", " +
                std::to_string(c.a) + "}";
        return text.c_str();
    }
};
}  // namespace doctest

namespace {

Canvas makeCanvas(int w, int h) {
    auto c = Canvas::create(w, h);
    REQUIRE(c.has_value());
    return std::move(*c);
}

// The colour of the pixel under a world point.
Rgba at(const Canvas& canvas, double x, double y) {
    const auto [px, py] = worldToCanvas(canvas, x, y);
    return canvas.pixel(static_cast<int>(std::floor(px)), static_cast<int>(std::floor(py)));
}

ViewPlayer player(std::uint32_t id, double x, double y, bool local) {
    return {.id = id, .x = x, .y = y, .aim = 0.0, .health = 100, .alive = true, .firing = false, .local = local, .score = 0};
}

std::size_t countNot(const Canvas& canvas, Rgba background) {
    std::size_t n = 0;
    for (int y = 0; y < canvas.height(); ++y) {
        for (int x = 0; x < canvas.width(); ++x) n += canvas.pixel(x, y) != background ? 1u : 0u;
    }
    return n;
}

std::uint32_t readU32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return (std::uint32_t{b.at(at)} << 24) | (std::uint32_t{b.at(at + 1)} << 16) | (std::uint32_t{b.at(at + 2)} << 8) |
           std::uint32_t{b.at(at + 3)};
}

// Bitwise CRC-32 (ISO-HDLC), written independently of the encoder's table-driven one.
std::uint32_t referenceCrc(const std::uint8_t* data, std::size_t size) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (std::size_t i = 0; i < size; ++i) {
        c ^= data[i];
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

struct Chunk {
    std::string type;
    std::vector<std::uint8_t> data;
};

// Splits a PNG into its chunks, checking the signature, the lengths and every CRC.
std::vector<Chunk> parsePng(const std::vector<std::uint8_t>& png) {
    const std::vector<std::uint8_t> signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    REQUIRE(png.size() >= signature.size());
    REQUIRE(std::vector<std::uint8_t>(png.begin(), png.begin() + 8) == signature);
    std::vector<Chunk> chunks;
    std::size_t at = 8;
    while (at < png.size()) {
        REQUIRE(at + 12 <= png.size());
        const std::uint32_t length = readU32(png, at);
        REQUIRE(at + 12 + length <= png.size());
        const std::uint8_t* typeAndData = png.data() + at + 4;
        CHECK(readU32(png, at + 8 + length) == referenceCrc(typeAndData, 4 + length));
        chunks.push_back({std::string(typeAndData, typeAndData + 4),
                          std::vector<std::uint8_t>(typeAndData + 4, typeAndData + 4 + length)});
        at += 12 + length;
    }
    return chunks;
}

// Inflates a zlib stream made only of stored blocks, checking the header, every block's
// LEN/NLEN and the Adler-32.
std::vector<std::uint8_t> inflateStored(const std::vector<std::uint8_t>& z) {
    REQUIRE(z.size() >= 6);
    CHECK((z[0] & 0x0F) == 8);                 // deflate
    CHECK(((z[0] << 8) | z[1]) % 31 == 0);     // header check bits
    CHECK((z[1] & 0x20) == 0);                 // no preset dictionary
    std::vector<std::uint8_t> out;
    std::size_t at = 2;
    bool last = false;
    int blocks = 0;
    while (!last) {
        REQUIRE(at + 5 <= z.size());
        last = (z[at] & 1) != 0;
        REQUIRE(((z[at] >> 1) & 3) == 0);  // stored
        const unsigned len = z[at + 1] | (z[at + 2] << 8);
        const unsigned nlen = z[at + 3] | (z[at + 4] << 8);
        REQUIRE((len ^ 0xFFFFu) == nlen);
        at += 5;
        REQUIRE(at + len <= z.size());
        out.insert(out.end(), z.begin() + static_cast<std::ptrdiff_t>(at), z.begin() + static_cast<std::ptrdiff_t>(at + len));
        at += len;
        ++blocks;
    }
    REQUIRE(at + 4 == z.size());
    std::uint32_t a = 1;
    std::uint32_t b = 0;
    for (std::uint8_t byte : out) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    CHECK(readU32(z, at) == ((b << 16) | a));
    // Every block but the last is full.
    CHECK(static_cast<std::size_t>(blocks) == std::max<std::size_t>(1, (out.size() + 65534) / 65535));
    return out;
}

// The pixels a PNG made by encodePng holds, as a canvas.
Canvas decodePng(const std::vector<std::uint8_t>& png) {
    const std::vector<Chunk> chunks = parsePng(png);
    REQUIRE(chunks.size() == 3);
    REQUIRE(chunks[0].type == "IHDR");
    REQUIRE(chunks[1].type == "IDAT");
    REQUIRE(chunks[2].type == "IEND");
    CHECK(chunks[2].data.empty());
    const auto& ihdr = chunks[0].data;
    REQUIRE(ihdr.size() == 13);
    const auto width = static_cast<int>(readU32(ihdr, 0));
    const auto height = static_cast<int>(readU32(ihdr, 4));
    CHECK(ihdr[8] == 8);   // bit depth
    CHECK(ihdr[9] == 6);   // RGBA
    CHECK(ihdr[10] == 0);  // deflate
    CHECK(ihdr[11] == 0);  // filter method
    CHECK(ihdr[12] == 0);  // not interlaced
    const std::vector<std::uint8_t> raw = inflateStored(chunks[1].data);
    const auto rowBytes = static_cast<std::size_t>(width) * 4u;
    REQUIRE(raw.size() == static_cast<std::size_t>(height) * (1u + rowBytes));
    Canvas canvas = makeCanvas(width, height);
    for (std::size_t y = 0; y < static_cast<std::size_t>(height); ++y) {
        const std::size_t row = y * (1u + rowBytes);
        REQUIRE(raw[row] == 0);  // filter type None
        std::copy(raw.begin() + static_cast<std::ptrdiff_t>(row + 1),
                  raw.begin() + static_cast<std::ptrdiff_t>(row + 1 + rowBytes), canvas.data() + y * rowBytes);
    }
    return canvas;
}

std::vector<std::uint8_t> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a canvas refuses a side of zero, a negative side or one above 8192 pixels") {
    CHECK_FALSE(Canvas::create(0, 10).has_value());
    CHECK_FALSE(Canvas::create(10, 0).has_value());
    CHECK_FALSE(Canvas::create(-5, 10).has_value());
    CHECK_FALSE(Canvas::create(8193, 1).has_value());
    CHECK_FALSE(Canvas::create(1, 8193).has_value());
    const auto c = Canvas::create(8192, 1);
    REQUIRE(c.has_value());
    CHECK(c->width() == 8192);
    CHECK(c->pixels().size() == 8192u * 4u);
    CHECK(c->pixel(0, 0) == Rgba{0, 0, 0, 0});
    CHECK(Canvas{}.empty());
}

TEST_CASE("a filled rectangle paints exactly the pixels whose centres it covers") {
    Canvas c = makeCanvas(20, 20);
    c.clear({0, 0, 0, 255});
    c.fillRect(12.0f, 8.0f, 2.0f, 3.0f, {255, 0, 0, 255});  // corners in either order
    CHECK(countNot(c, {0, 0, 0, 255}) == 10u * 5u);
    CHECK(c.pixel(2, 3) == Rgba{255, 0, 0, 255});
    CHECK(c.pixel(11, 7) == Rgba{255, 0, 0, 255});
    CHECK(c.pixel(12, 7) == Rgba{0, 0, 0, 255});
    CHECK(c.pixel(11, 8) == Rgba{0, 0, 0, 255});
}

TEST_CASE("a translucent colour blends over what is below it") {
    Canvas c = makeCanvas(4, 4);
    c.clear({0, 0, 0, 255});
    c.fillRect(0, 0, 4, 4, {255, 255, 255, 128});
    const Rgba p = c.pixel(1, 1);
    CHECK(p.r == 128);
    CHECK(p.a == 255);
    c.fillRect(0, 0, 4, 4, {10, 20, 30, 0});
    CHECK(c.pixel(1, 1) == p);
}

TEST_CASE("a stroked rectangle paints its border once and leaves its inside alone") {
    Canvas c = makeCanvas(30, 30);
    c.clear({0, 0, 0, 255});
    c.strokeRect(5, 5, 25, 25, {0, 0, 0, 0});
    c.strokeRect(5, 5, 25, 25, {100, 100, 100, 128}, 2.0f);
    const Rgba once = c.pixel(10, 5);
    CHECK(once != Rgba{0, 0, 0, 255});
    CHECK(c.pixel(5, 5) == once);    // corner, painted once like an edge
    CHECK(c.pixel(24, 24) == once);
    CHECK(c.pixel(6, 20) == once);
    CHECK(c.pixel(7, 20) == Rgba{0, 0, 0, 255});
    CHECK(c.pixel(15, 15) == Rgba{0, 0, 0, 255});
    CHECK(countNot(c, {0, 0, 0, 255}) == 20u * 20u - 16u * 16u);
}

TEST_CASE("a line reaches both ends and is connected, and a thick one is as wide as asked") {
    Canvas c = makeCanvas(100, 100);
    c.clear({0, 0, 0, 255});
    const Rgba white{255, 255, 255, 255};
    c.line(10.5f, 10.5f, 80.5f, 40.5f, white);
    CHECK(c.pixel(10, 10) == white);
    CHECK(c.pixel(80, 40) == white);
    // A shallow line has a pixel in every column it spans.
    for (int x = 10; x <= 80; ++x) {
        bool found = false;
        for (int y = 0; y < 100; ++y) found = found || c.pixel(x, y) == white;
        CHECK(found);
    }
    // Centred on a row of pixel centres, 9 pixels thick covers that row and 4 either side.
    Canvas t = makeCanvas(100, 100);
    t.line(20.0f, 50.5f, 80.0f, 50.5f, white, 9.0f);
    int rows = 0;
    for (int y = 0; y < 100; ++y) rows += t.pixel(50, y) == white ? 1 : 0;
    CHECK(rows == 9);
    CHECK(t.pixel(50, 50) == white);
}

TEST_CASE("a filled circle covers its disc and a stroked one only its ring") {
    Canvas c = makeCanvas(64, 64);
    c.clear({0, 0, 0, 255});
    const Rgba red{255, 0, 0, 255};
    c.fillCircle(32.0f, 32.0f, 10.0f, red);
    CHECK(c.pixel(32, 32) == red);
    CHECK(c.pixel(41, 32) == red);
    CHECK(c.pixel(43, 32) == Rgba{0, 0, 0, 255});
    const double area = static_cast<double>(countNot(c, {0, 0, 0, 255}));
    CHECK(area == doctest::Approx(std::numbers::pi * 100.0).epsilon(0.05));

    Canvas r = makeCanvas(64, 64);
    r.clear({0, 0, 0, 255});
    r.strokeCircle(32.0f, 32.0f, 10.0f, red, 2.0f);
    CHECK(r.pixel(32, 32) == Rgba{0, 0, 0, 255});
    CHECK(r.pixel(41, 32) == red);
    CHECK(r.pixel(32, 22) == red);
    CHECK(r.pixel(36, 32) == Rgba{0, 0, 0, 255});
}

TEST_CASE("text draws some pixels for a line of the overlay and none for an empty string") {
    Canvas c = makeCanvas(120, 20);
    const Rgba bg{0, 0, 0, 255};
    c.clear(bg);
    c.text(2.0f, 2.0f, "", {255, 255, 255, 255});
    CHECK(countNot(c, bg) == 0u);
    c.text(2.0f, 2.0f, "RTT 82 ms", {255, 255, 255, 255});
    const std::size_t lit = countNot(c, bg);
    CHECK(lit > 30u);
    // Nothing beyond the nine glyphs' box.
    for (int y = 0; y < 20; ++y) {
        for (int x = 0; x < 120; ++x) {
            if (x < 2 || y < 2 || x >= 2 + textWidth("RTT 82 ms") || y >= 2 + kGlyphHeight) {
                CHECK(c.pixel(x, y) == bg);
            }
        }
    }
    CHECK(textWidth("RTT 82 ms") == 9 * kGlyphAdvance - 1);
    CHECK(textWidth("") == 0);
    CHECK(textHeight("a\nb", 2) == (kLineAdvance + kGlyphHeight) * 2);
}

TEST_CASE("lower case draws as upper case and an unknown character as a box") {
    Canvas lower = makeCanvas(60, 10);
    Canvas upper = makeCanvas(60, 10);
    lower.text(0.0f, 0.0f, "abc xyz", {255, 255, 255, 255});
    upper.text(0.0f, 0.0f, "ABC XYZ", {255, 255, 255, 255});
    CHECK(lower.pixels() == upper.pixels());

    Canvas box = makeCanvas(10, 10);
    box.text(0.0f, 0.0f, "\x01", {255, 255, 255, 255});
    CHECK(box.pixel(0, 0).a == 255);
    CHECK(box.pixel(4, 6).a == 255);
    CHECK(box.pixel(2, 3).a == 0);

    // Every character the overlay needs has a glyph of its own.
    Canvas known = makeCanvas(10, 10);
    const std::string charset = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:;%/-+()[]=_#<>!?";
    for (char ch : charset) {
        known.clear({0, 0, 0, 0});
        known.text(0.0f, 0.0f, std::string(1, ch), {255, 255, 255, 255});
        CAPTURE(ch);
        CHECK(known.pixels() != box.pixels());
        CHECK(countNot(known, {0, 0, 0, 0}) > 0u);
    }
}

TEST_CASE("hostile coordinates, radii and thicknesses draw nothing outside the canvas and do not crash") {
    Canvas c = makeCanvas(64, 48);
    const Rgba bg{1, 2, 3, 255};
    c.clear(bg);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const float big = 1e30f;
    const float huge = std::numeric_limits<float>::max();
    const Rgba ink{200, 100, 50, 255};

    // Anything NaN or infinite draws nothing at all.
    c.fillRect(nan, 0, 10, 10, ink);
    c.fillRect(-inf, -inf, inf, inf, ink);
    c.strokeRect(0, 0, nan, 10, ink, 3.0f);
    c.line(nan, nan, 10, 10, ink);
    c.line(-inf, 5, inf, 5, ink, 3.0f);
    c.fillCircle(nan, 10, 5, ink);
    c.fillCircle(10, 10, inf, ink);
    c.fillCircle(10, 10, nan, ink);
    c.strokeCircle(10, 10, inf, ink);
    c.text(nan, 0, "NAN", ink);
    c.text(0, inf, "INF", ink);
    CHECK(countNot(c, bg) == 0u);

    // Huge finite values are clipped.
    c.fillRect(-big, -big, big, big, ink);
    CHECK(countNot(c, bg) == 64u * 48u);
    c.clear(bg);
    c.line(-big, 24.0f, big, 24.0f, ink);
    CHECK(c.pixel(0, 24) == ink);
    CHECK(c.pixel(63, 24) == ink);
    c.line(-big, -big, big, big, ink, 5.0f);
    c.line(-huge, huge, huge, -huge, ink, huge);
    c.line(huge, huge, huge, huge, ink, -huge);
    c.line(5, 5, 40, 30, ink, -7.0f);  // negative thickness: a thin line
    c.line(5, 5, 40, 30, ink, nan);
    c.line(3, 3, 3, 3, ink, 0.0f);     // a point
    c.fillCircle(32, 24, huge, ink);
    c.fillCircle(-big, -big, big, ink);
    c.fillCircle(10, 10, -5, ink);
    c.strokeCircle(32, 24, huge, ink, huge);
    c.strokeCircle(32, 24, 20, ink, -3.0f);
    c.strokeRect(-big, -big, big, big, ink, huge);
    c.strokeRect(0, 0, 64, 48, ink, -1.0f);
    c.text(-big, -big, "HELLO", ink, 1 << 30);
    c.text(big, big, "HELLO", ink, -5);
    c.text(60, 40, std::string(10000, '#'), ink, 64);
    c.setPixel(-1, 0, ink);
    c.setPixel(64, 47, ink);
    c.setPixel(0, 48, ink);
    CHECK(c.width() == 64);
    CHECK(c.height() == 48);
    CHECK(c.pixels().size() == 64u * 48u * 4u);
    CHECK(c.pixel(-1, -1) == Rgba{0, 0, 0, 0});
    CHECK(c.pixel(64, 0) == Rgba{0, 0, 0, 0});

    // The same for a whole model.
    ViewModel model;
    model.players.push_back({.id = 1, .x = nan, .y = 3.0, .aim = 0.0, .health = 100, .alive = true, .firing = true,
                             .local = true, .score = 0});
    model.players.push_back({.id = 2, .x = 1e300, .y = -1e300, .aim = inf, .health = -5000, .alive = true,
                             .firing = true, .local = false, .score = -1});
    model.players.push_back({.id = 3, .x = 10.0, .y = 10.0, .aim = nan, .health = 1 << 30, .alive = true,
                             .firing = true, .local = false, .score = 1 << 30});
    model.ghost = ViewPlayer{.id = 1, .x = inf, .y = nan};
    model.overlay = NetOverlay{.rttMs = nan, .lossPct = inf, .kbpsIn = -1e300, .kbpsOut = 1e300,
                               .corrections = ~std::uint64_t{0}, .interpDelayMs = nan, .tick = ~0u,
                               .matchSecondsLeft = 1e300, .connected = false};
    drawArena(c, model);
    Canvas empty;
    drawArena(empty, model);
    CHECK(empty.empty());
}

TEST_CASE("the arena view shows the local player green, a remote one orange, every wall and the floor") {
    Canvas canvas = makeCanvas(800, 600);
    ViewModel model;
    model.players.push_back(player(1, 5.0, 5.0, true));
    model.players.push_back(player(2, 30.0, 20.0, false));
    drawArena(canvas, model);

    CHECK(pixelsPerMetre(canvas) == doctest::Approx(20.0));
    CHECK(at(canvas, 5.0, 5.0) == kLocalColour);
    CHECK(at(canvas, 30.0, 20.0) == kRemoteColour);
    for (const arena::Rect& w : arena::kWalls) {
        const double cx = (w.minX + w.maxX) / 200.0;
        const double cy = (w.minY + w.maxY) / 200.0;
        CAPTURE(cx);
        CAPTURE(cy);
        CHECK(at(canvas, cx, cy) == kWallColour);
    }
    // Each outer wall, a little way from its middle too.
    CHECK(at(canvas, 10.0, 0.25) == kWallColour);
    CHECK(at(canvas, 10.0, 29.75) == kWallColour);
    CHECK(at(canvas, 0.25, 10.0) == kWallColour);
    CHECK(at(canvas, 39.75, 10.0) == kWallColour);
    CHECK(at(canvas, 14.3, 11.7) == kFloorColour);
    CHECK(at(canvas, 25.0, 27.0) == kFloorColour);

    // y grows upward: the world's bottom-left corner is the canvas's bottom-left corner.
    const auto [x0, y0] = worldToCanvas(canvas, 0.0, 0.0);
    const auto [x1, y1] = worldToCanvas(canvas, 40.0, 30.0);
    CHECK(x0 == doctest::Approx(0.0));
    CHECK(y0 == doctest::Approx(600.0));
    CHECK(x1 == doctest::Approx(800.0));
    CHECK(y1 == doctest::Approx(0.0));
}

TEST_CASE("a canvas of another aspect letterboxes the arena and keeps it undistorted") {
    Canvas canvas = makeCanvas(1000, 300);
    ViewModel model;
    model.players.push_back(player(1, 20.0, 15.0, true));
    drawArena(canvas, model);
    CHECK(pixelsPerMetre(canvas) == doctest::Approx(10.0));
    const auto [x0, y0] = worldToCanvas(canvas, 0.0, 0.0);
    CHECK(x0 == doctest::Approx(300.0));
    CHECK(y0 == doctest::Approx(300.0));
    CHECK(canvas.pixel(10, 150) == kBackgroundColour);
    CHECK(canvas.pixel(990, 150) == kBackgroundColour);
    CHECK(at(canvas, 20.0, 15.0) == kLocalColour);
}

TEST_CASE("a dead player is a ring, a firing one's tracer stops at the first wall, and the ghost is a ring") {
    Canvas canvas = makeCanvas(800, 600);
    ViewModel model;
    ViewPlayer shooter = player(1, 5.0, 15.0, true);
    shooter.firing = true;  // aims +x, at the central block (18..22 m)
    model.players.push_back(shooter);
    ViewPlayer dead = player(2, 30.0, 5.0, false);
    dead.alive = false;
    model.players.push_back(dead);
    model.ghost = player(1, 10.0, 25.0, true);
    drawArena(canvas, model);

    CHECK(at(canvas, 5.0, 15.0) == kLocalColour);
    CHECK(at(canvas, 12.0, 15.0) == kTracerColour);
    CHECK(at(canvas, 17.9, 15.0) == kTracerColour);
    CHECK(at(canvas, 20.0, 15.0) == kWallColour);
    CHECK(at(canvas, 25.0, 15.0) == kFloorColour);

    const double r = arena::kPlayerRadiusCm / 100.0;
    CHECK(at(canvas, 30.0, 5.0) == kFloorColour);
    CHECK(at(canvas, 30.0 - r + 0.02, 5.0) == kRemoteDeadColour);

    CHECK(at(canvas, 10.0, 25.0) == kFloorColour);
    CHECK(at(canvas, 10.0 + r - 0.02, 25.0) == kGhostColour);

    // The living player's health bar sits above the disc: half full shows both colours.
    Canvas hurt = makeCanvas(800, 600);
    ViewModel m2;
    ViewPlayer p = player(3, 20.0, 25.0, false);
    p.health = 50;
    m2.players.push_back(p);
    drawArena(hurt, m2);
    bool healthy = false;
    bool missing = false;
    for (double dy = r; dy < 3 * r; dy += 0.02) {
        healthy = healthy || at(hurt, 20.0 - r * 0.6, 25.0 + dy) == kHealthColour;
        missing = missing || at(hurt, 20.0 + r * 0.6, 25.0 + dy) == kHealthMissingColour;
    }
    CHECK(healthy);
    CHECK(missing);
}

TEST_CASE("the overlay is a translucent panel in the top-left corner with the network figures") {
    Canvas plain = makeCanvas(800, 600);
    Canvas with = makeCanvas(800, 600);
    ViewModel model;
    model.players.push_back(player(1, 5.0, 5.0, true));
    model.players.push_back(player(2, 30.0, 20.0, false));
    drawArena(plain, model);
    model.overlay = NetOverlay{.rttMs = 82.0, .lossPct = 2.0, .kbpsIn = 12.3, .kbpsOut = 4.1, .corrections = 3,
                               .interpDelayMs = 66.0, .tick = 1234, .matchSecondsLeft = 299.5, .connected = true};
    drawArena(with, model);

    // The panel darkens the floor under it without hiding it, and carries text.
    const Rgba under = with.pixel(14, 100);
    CHECK(under != kFloorColour);
    CHECK(under.r < kFloorColour.r);
    CHECK(under.r > 0);
    std::size_t text = 0;
    for (int y = 0; y < 200; ++y) {
        for (int x = 0; x < 250; ++x) text += with.pixel(x, y) == kTextColour ? 1u : 0u;
    }
    CHECK(text > 200u);
    // The rest of the arena is untouched.
    CHECK(at(with, 5.0, 5.0) == kLocalColour);
    CHECK(at(with, 30.0, 20.0) == kRemoteColour);
    CHECK(at(with, 20.0, 29.75) == kWallColour);
    CHECK(with.pixel(700, 500) == plain.pixel(700, 500));
}

TEST_CASE("the PNG has the signature, the canvas size, a valid CRC per chunk and exactly the canvas pixels") {
    Canvas canvas = makeCanvas(800, 600);
    ViewModel model;
    model.players.push_back(player(1, 5.0, 5.0, true));
    model.players.push_back(player(2, 30.0, 20.0, false));
    model.overlay = NetOverlay{.rttMs = 82.0, .connected = true};
    drawArena(canvas, model);
    canvas.fillRect(0, 0, 3, 3, {1, 2, 3, 4});  // an alpha below 255 survives too

    const std::vector<std::uint8_t> png = encodePng(canvas);
    const Canvas decoded = decodePng(png);
    CHECK(decoded.width() == 800);
    CHECK(decoded.height() == 600);
    CHECK(decoded.pixels() == canvas.pixels());

    // The smallest canvas: one block, a few bytes.
    Canvas one = makeCanvas(1, 1);
    one.clear({9, 8, 7, 6});
    const Canvas decodedOne = decodePng(encodePng(one));
    CHECK(decodedOne.pixel(0, 0) == Rgba{9, 8, 7, 6});
    // 255 rows of 1 + 64 × 4 bytes are exactly one full stored block (65535 bytes), and 510
    // rows exactly two: the boundaries fall at the end of the data without an empty block.
    for (int rows : {255, 510, 511}) {
        Canvas edge = makeCanvas(64, rows);
        edge.fillRect(10, 3, 60, static_cast<float>(rows - 3), {5, 6, 7, 8});
        CHECK(decodePng(encodePng(edge)).pixels() == edge.pixels());
    }

    CHECK(encodePng(Canvas{}).empty());
}

TEST_CASE("writing a PNG puts exactly the encoded bytes at the path and says why when it cannot") {
    tickwire::test::TempDir dir;
    Canvas canvas = makeCanvas(40, 30);
    drawArena(canvas, {});
    const std::string path = dir.file("frame.png");
    std::string why;
    REQUIRE(writePng(canvas, path, &why));
    CHECK(why.empty());
    CHECK(readFile(path) == encodePng(canvas));
    // Written again over the old file, and no temporary file is left beside it.
    REQUIRE(writePng(canvas, path, &why));
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
        ++files;
    }
    CHECK(files == 1u);

    const std::string missing = dir.file("no-such-dir") + "/frame.png";
    CHECK_FALSE(writePng(canvas, missing, &why));
    CHECK(why.find(missing) != std::string::npos);
    CHECK(why.find("No such file") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(missing));

    CHECK_FALSE(writePng(Canvas{}, path, &why));
    CHECK(why.find("empty") != std::string::npos);
    CHECK_FALSE(writePng(canvas, "", nullptr));
}
