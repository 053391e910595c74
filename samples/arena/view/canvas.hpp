#pragma once
/// \file canvas.hpp
/// A software RGBA canvas the arena viewer draws into, and a PNG writer for it. Nothing here
/// knows about windows or the network: the same frame can go to an SDL window, to a PNG file
/// for a report, or to a test that looks at its pixels.
///
/// Coordinates are pixels, float, with the origin at the top-left corner of the canvas and y
/// growing downward; pixel (x, y) covers the square [x, x + 1) × [y, y + 1), so its centre is
/// (x + 0.5, y + 0.5). A shape paints the pixels whose centres it covers. Every drawing call
/// is clipped to the canvas and accepts any input: NaN or infinite coordinates draw nothing,
/// huge ones are clipped, and nothing is ever written outside the pixel buffer.
///
/// Colours are straight (not premultiplied) RGBA. A colour with alpha 255 replaces the pixel;
/// a lower alpha blends over it ("source over"); alpha 0 leaves it unchanged.
///
///     auto canvas = arena::view::Canvas::create(800, 600);
///     canvas->clear({20, 20, 24, 255});
///     canvas->fillCircle(100.0f, 100.0f, 8.0f, {60, 200, 90, 255});
///     canvas->text(10.0f, 10.0f, "RTT 82 ms", {255, 255, 255, 255});
///     std::string why;
///     if (!arena::view::writePng(*canvas, "frame.png", &why)) std::fprintf(stderr, "%s\n", why.c_str());

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arena::view {

/// A colour: 8 bits per channel, straight alpha (255 = opaque).
struct Rgba {
    std::uint8_t r = 0;    ///< red, 0..255
    std::uint8_t g = 0;    ///< green, 0..255
    std::uint8_t b = 0;    ///< blue, 0..255
    std::uint8_t a = 255;  ///< opacity, 0 (transparent) .. 255 (opaque)

    /// Channel-wise equality.
    friend bool operator==(const Rgba&, const Rgba&) = default;
};

/// Largest width or height Canvas::create accepts, pixels (a full canvas is then 256 MiB).
inline constexpr int kMaxCanvasSide = 8192;

/// Width of one glyph of the built-in font, pixels at scale 1.
inline constexpr int kGlyphWidth = 5;
/// Height of one glyph of the built-in font, pixels at scale 1.
inline constexpr int kGlyphHeight = 7;
/// Horizontal distance from one glyph to the next, pixels at scale 1.
inline constexpr int kGlyphAdvance = kGlyphWidth + 1;
/// Vertical distance from one line of text to the next, pixels at scale 1.
inline constexpr int kLineAdvance = kGlyphHeight + 2;
/// Largest text scale; larger scales are clamped to it.
inline constexpr int kMaxTextScale = 64;
/// Largest line or stroke thickness, pixels; thicker ones are clamped to it.
inline constexpr float kMaxThickness = 1024.0f;

/// Width in pixels of the widest line of `text` drawn at `scale` (clamped into
/// 1..kMaxTextScale); 0 for an empty text. Lines are separated by '\n'.
[[nodiscard]] int textWidth(std::string_view text, int scale = 1) noexcept;
/// Height in pixels of `text` drawn at `scale` (clamped into 1..kMaxTextScale): one
/// kLineAdvance per line except the last, which counts kGlyphHeight; 0 for an empty text.
[[nodiscard]] int textHeight(std::string_view text, int scale = 1) noexcept;

/// An RGBA8 image held in memory: width × height pixels, row-major, top-left first, four bytes
/// (r, g, b, a) per pixel with no padding between rows. Copyable and movable value type; a
/// default-constructed canvas is empty (0 × 0) and every drawing call on it does nothing.
class Canvas {
public:
    /// An empty canvas (0 × 0).
    Canvas() = default;

    /// A canvas of `width` × `height` pixels, every pixel transparent black {0, 0, 0, 0};
    /// nullopt when a side is below 1 or above kMaxCanvasSide.
    [[nodiscard]] static std::optional<Canvas> create(int width, int height);

    /// Width, pixels (0 when empty).
    [[nodiscard]] int width() const noexcept { return width_; }
    /// Height, pixels (0 when empty).
    [[nodiscard]] int height() const noexcept { return height_; }
    /// True for a 0 × 0 canvas.
    [[nodiscard]] bool empty() const noexcept { return pixels_.empty(); }
    /// The pixel bytes: width × height × 4, row-major, r g b a (borrowed; valid until the
    /// canvas is destroyed or assigned).
    [[nodiscard]] const std::vector<std::uint8_t>& pixels() const noexcept { return pixels_; }
    /// Mutable pixel bytes, same layout, for code that fills the canvas itself (for example
    /// a read-back from a window). The size must not be changed.
    [[nodiscard]] std::uint8_t* data() noexcept { return pixels_.data(); }

    /// The pixel at column x, row y; transparent black {0, 0, 0, 0} when (x, y) is outside
    /// the canvas.
    [[nodiscard]] Rgba pixel(int x, int y) const noexcept;
    /// Sets one pixel, blended as described in the file comment; nothing when (x, y) is
    /// outside the canvas.
    void setPixel(int x, int y, Rgba colour) noexcept;

    /// Sets every pixel to `colour`, without blending (alpha is copied as is).
    void clear(Rgba colour) noexcept;
    /// Fills the axis-aligned rectangle with corners (x0, y0) and (x1, y1), in any order: the
    /// pixels whose centres lie in [min x, max x) × [min y, max y).
    void fillRect(float x0, float y0, float x1, float y1, Rgba colour) noexcept;
    /// The outline of the same rectangle, `thickness` pixels wide (clamped into
    /// 1..kMaxThickness; NaN counts as 1), drawn inside it; each pixel is painted once.
    void strokeRect(float x0, float y0, float x1, float y1, Rgba colour, float thickness = 1.0f) noexcept;
    /// A straight line from (x0, y0) to (x1, y1) with round ends: the pixels whose centres lie
    /// within thickness / 2 of the segment. `thickness` is clamped into 1..kMaxThickness (NaN
    /// counts as 1). Each pixel is painted once, so a translucent line has no darker joints.
    void line(float x0, float y0, float x1, float y1, Rgba colour, float thickness = 1.0f) noexcept;
    /// A filled disc centred on (cx, cy) of radius `radius` pixels; nothing when the radius
    /// is not positive.
    void fillCircle(float cx, float cy, float radius, Rgba colour) noexcept;
    /// A ring centred on (cx, cy): the pixels whose centres lie between radius − thickness and
    /// radius from the centre (thickness clamped into 1..kMaxThickness; NaN counts as 1);
    /// nothing when the radius is not positive.
    void strokeCircle(float cx, float cy, float radius, Rgba colour, float thickness = 1.0f) noexcept;
    /// Draws `text` with the built-in 5 × 7 font, the top-left corner of its first glyph at
    /// (x, y), each font pixel a `scale` × `scale` square (scale clamped into
    /// 1..kMaxTextScale). Covers ASCII digits, letters (lower case draws as upper case),
    /// space and . , : ; % / - + ( ) [ ] = _ # < > ! ? ' " *; any other byte draws as a
    /// box. '\n' starts a new line kLineAdvance × scale below.
    void text(float x, float y, std::string_view text, Rgba colour, int scale = 1) noexcept;

private:
    // Paints the pixels of row y whose centres lie in [left, right] (in pixel units).
    void span(int y, double left, double right, Rgba colour) noexcept;

    int width_ = 0;
    int height_ = 0;
    std::vector<std::uint8_t> pixels_;
};

/// `canvas` as a PNG file image: 8-bit RGBA, non-interlaced, one IHDR, one IDAT (a zlib
/// stream of stored, uncompressed deflate blocks) and IEND. Empty when the canvas is empty.
/// The size is about width × height × 4 bytes: meant for screenshots and tests, not storage.
[[nodiscard]] std::vector<std::uint8_t> encodePng(const Canvas& canvas);

/// Writes encodePng(canvas) to `path`: into a temporary file beside it, then renamed over
/// `path`, so a reader never sees half a file. False on failure, with `error` (when given)
/// set to a one-line English description of what failed and why; the temporary file is
/// removed then.
[[nodiscard]] bool writePng(const Canvas& canvas, const std::string& path, std::string* error = nullptr);

}  // namespace arena::view
