#pragma once
/// \file picture.hpp
/// Where the arena's pictures are drawn: cairo (antialiased shapes, a real font, compressed
/// PNG and SVG files). Nothing here knows about windows or the network: the same drawing
/// code goes to an SDL window (through a Picture), to a PNG or SVG file (savePicture) or to
/// a test that looks at its pixels.
///
/// Drawing functions take a `cairo_t*` and a size in pixels; coordinates are cairo's user
/// space, pixels with the origin at the top-left corner and y growing downward. They never
/// leave a state change behind (each saves and restores the context).
///
///     auto saved = arena::view::savePicture("frame.png", 800, 600, [&](cairo_t* cr) {
///         arena::view::drawArena(cr, 800, 600, model);
///     });
///     if (!saved) std::fprintf(stderr, "%s\n", saved.detail().c_str());

#include <tickwire/result.hpp>

#include <cairo.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace arena::view {

/// Why a picture could not be made, written or shown. A failure's detail is one line of
/// English naming what failed and the system's (or SDL's) reason.
enum class ViewError {
    InvalidSize,  ///< a side outside 1..kMaxPictureSide, an empty picture or an empty path
    OutOfMemory,  ///< the pixels could not be allocated
    WriteFailed,  ///< the file could not be created, written or renamed into place
    NoDisplay,    ///< SDL could not start its video, open the window or make a renderer
};

/// A short English description of a ViewError.
[[nodiscard]] std::string_view describe(ViewError e) noexcept;

/// What the view's fallible calls return (tickwire/result.hpp).
template <class T>
using Result = tickwire::Result<T, ViewError>;

/// A colour: 8 bits per channel, straight (not premultiplied) alpha, 255 = opaque.
struct Rgba {
    std::uint8_t r = 0;    ///< red, 0..255
    std::uint8_t g = 0;    ///< green, 0..255
    std::uint8_t b = 0;    ///< blue, 0..255
    std::uint8_t a = 255;  ///< opacity, 0 (transparent) .. 255 (opaque)

    /// Channel-wise equality.
    friend bool operator==(const Rgba&, const Rgba&) = default;
};

/// Largest width or height of a Picture or a saved picture, pixels.
inline constexpr int kMaxPictureSide = 8192;

/// Makes `colour` cairo's source.
void setColour(cairo_t* cr, Rgba colour) noexcept;

/// Where text is anchored horizontally at the x given to drawText.
enum class Align { Left, Centre, Right };

/// The font every picture uses: cairo's "sans-serif" (fontconfig picks the face).
inline constexpr const char* kFontFamily = "sans-serif";

/// Width in pixels of `text` in kFontFamily at `size` pixels (0 for an empty text or a
/// size that is not positive).
[[nodiscard]] double textWidth(cairo_t* cr, std::string_view text, double size, bool bold = false);

/// Draws one line of `text` in kFontFamily, `size` pixels high (em size), with its baseline
/// at y and anchored at x as `align` says. Non-finite positions or sizes draw nothing.
void drawText(cairo_t* cr, double x, double y, std::string_view text, Rgba colour, double size,
              Align align = Align::Left, bool bold = false);

/// An image in memory that cairo draws into: width × height pixels of cairo's ARGB32 format
/// (one native-endian 32-bit word per pixel, alpha in the top byte, colours premultiplied
/// by alpha; rows stride() bytes apart). Owns its cairo image surface. Movable, not
/// copyable; a default-constructed picture is empty (0 × 0).
class Picture {
public:
    /// An empty picture.
    Picture() = default;
    /// A picture of `width` × `height` pixels, every pixel transparent; nullopt when a side
    /// is below 1 or above kMaxPictureSide, or cairo cannot allocate it.
    [[nodiscard]] static std::optional<Picture> create(int width, int height);
    /// Releases the surface.
    ~Picture();
    Picture(Picture&& other) noexcept;
    Picture& operator=(Picture&& other) noexcept;
    Picture(const Picture&) = delete;
    Picture& operator=(const Picture&) = delete;

    /// Width, pixels (0 when empty).
    [[nodiscard]] int width() const noexcept;
    /// Height, pixels (0 when empty).
    [[nodiscard]] int height() const noexcept;
    /// True for a 0 × 0 picture.
    [[nodiscard]] bool empty() const noexcept { return surface_ == nullptr; }
    /// Bytes from one row to the next.
    [[nodiscard]] int stride() const noexcept;
    /// The pixel words, row by row (borrowed; valid while the picture lives). Null when empty.
    [[nodiscard]] const unsigned char* data() const noexcept;
    /// The same, writable, for code that fills the picture itself (a read-back from a
    /// window); call markDirty() after writing.
    [[nodiscard]] unsigned char* mutableData() noexcept;
    /// Tells cairo that mutableData() was written to.
    void markDirty() noexcept;
    /// The cairo surface (borrowed), null when empty.
    [[nodiscard]] cairo_surface_t* surface() const noexcept { return surface_; }

    /// The pixel at column x, row y as straight RGBA; transparent black {0, 0, 0, 0} outside
    /// the picture.
    [[nodiscard]] Rgba pixel(int x, int y) const noexcept;

    /// Runs `draw` with a fresh cairo context on the picture; nothing when empty.
    void draw(const std::function<void(cairo_t*)>& draw);

private:
    explicit Picture(cairo_surface_t* surface) noexcept : surface_(surface) {}
    cairo_surface_t* surface_ = nullptr;
};

/// The file formats savePicture writes.
enum class PictureFormat {
    Png,  ///< compressed 8-bit RGBA PNG, the pixels cairo rendered
    Svg,  ///< SVG 1.1: the same drawing as vectors, text as outlines
};

/// Svg when `path` ends in ".svg" (any case), otherwise Png.
[[nodiscard]] PictureFormat formatFor(std::string_view path) noexcept;

/// Draws a `width` × `height` picture with `draw` and writes it to `path` in
/// formatFor(path). The file is written beside `path` under a temporary name and renamed
/// over it, so a reader never sees half a file; on failure no temporary file is left.
[[nodiscard]] Result<void> savePicture(const std::string& path, int width, int height,
                                       const std::function<void(cairo_t*)>& draw);

/// Writes `picture` to `path` as a PNG, the same way (temporary file, rename). An empty
/// picture is InvalidSize.
[[nodiscard]] Result<void> writePng(const Picture& picture, const std::string& path);

}  // namespace arena::view
