#pragma once
/// \file viewer_sdl.hpp
/// A window that shows Picture frames (drawn with cairo), through SDL2. Built only when SDL2 is found (meson
/// option `viewer`); link `arena_sdl_dep`. The header names no SDL type, so any code may
/// include it without SDL's headers on its include path.
///
/// With SDL_VIDEODRIVER set to "dummy" or "offscreen" the viewer uses SDL's software renderer,
/// so it opens, presents and reads back on a machine without a display (tests, CI).
///
///     std::string why;
///     auto viewer = arena::view::SdlViewer::open(960, 720, "arena", &why);
///     if (!viewer) return fail(why);
///     auto frame = arena::view::Picture::create(960, 720);
///     while (viewer->pump()) {
///         model.ghost = viewer->ghostToggled() ? serverPosition : std::nullopt;
///         frame->draw([&](cairo_t* cr) { arena::view::drawArena(cr, 960, 720, model); });
///         viewer->present(*frame);
///     }
///
/// Not thread-safe: like SDL's video functions, call it from one thread (the main thread on
/// platforms that require it). Meant as one viewer per program: pump() drains SDL's whole event
/// queue, so a second viewer would not see its own events.

#include "view/picture.hpp"

#include <memory>
#include <string>
#include <utility>

namespace arena::view {

/// One SDL window with a renderer and a streaming texture the size of the last presented
/// picture. Owns them; closing happens in the destructor. Not copyable, not movable (held by
/// unique_ptr).
class SdlViewer {
public:
    /// Opens a window of `width` × `height` pixels (each 1..kMaxPictureSide) titled `title`.
    /// Failures: InvalidSize, or NoDisplay when SDL's video, the window or a renderer
    /// cannot be had (the detail says which, with SDL's own message).
    [[nodiscard]] static Result<std::unique_ptr<SdlViewer>> open(int width, int height, const std::string& title);
    /// Destroys the texture, renderer and window, and releases SDL's video subsystem.
    ~SdlViewer();
    SdlViewer(const SdlViewer&) = delete;
    SdlViewer& operator=(const SdlViewer&) = delete;

    /// Handles every pending window and keyboard event; call once per frame. False once the
    /// window has been closed or Escape pressed (and from then on).
    [[nodiscard]] bool pump();
    /// The G key's toggle: false at first, flipped by each press of G (key repeats ignored).
    /// The arena client shows the ghost while it is true.
    [[nodiscard]] bool ghostToggled() const noexcept;
    /// Size of the window's drawable area in pixels (which may differ from the window size on
    /// high-density displays): the picture size that presents 1:1.
    [[nodiscard]] std::pair<int, int> outputSize() const noexcept;

    /// Shows `picture`: uploads its pixels to the streaming texture (recreated when the size
    /// changes), scales it to fit the window keeping its aspect (black bars around) and
    /// presents. An empty picture presents a black frame. On failure the window keeps its
    /// previous frame and lastError() says why.
    void present(const Picture& picture);
    /// Reads back, at outputSize(), the pixels of the last presented frame into `out` (which
    /// is replaced). It draws that frame again into the renderer's target and reads it
    /// (SDL_RenderReadPixels), since what a renderer's back buffer holds after presenting is
    /// undefined. False when nothing was presented yet or SDL fails (see lastError()).
    [[nodiscard]] bool readBack(Picture& out);

    /// Why the latest present() or readBack() call failed, in English with SDL's message;
    /// empty when it succeeded (or neither was called yet).
    [[nodiscard]] const std::string& lastError() const noexcept;

private:
    struct Impl;
    explicit SdlViewer(std::unique_ptr<Impl> impl) noexcept;
    std::unique_ptr<Impl> impl_;
};

}  // namespace arena::view
