#include "view/viewer_sdl.hpp"

#define SDL_MAIN_HANDLED
#include <SDL.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace arena::view {

struct SdlViewer::Impl {
    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    SDL_Texture* texture = nullptr;
    int textureWidth = 0;
    int textureHeight = 0;
    bool videoStarted = false;
    bool presented = false;  // the texture holds the last presented frame
    bool closed = false;
    bool ghost = false;
    std::string lastError;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() {
        if (texture) SDL_DestroyTexture(texture);
        if (renderer) SDL_DestroyRenderer(renderer);
        if (window) SDL_DestroyWindow(window);
        if (videoStarted) SDL_QuitSubSystem(SDL_INIT_VIDEO);
    }

    // Where the texture goes on the output: as large as fits, keeping its aspect, centred.
    SDL_Rect fit() const {
        int outW = 0;
        int outH = 0;
        SDL_GetRendererOutputSize(renderer, &outW, &outH);
        SDL_Rect r{0, 0, outW, outH};
        if (textureWidth <= 0 || textureHeight <= 0 || outW <= 0 || outH <= 0) return r;
        const double scale = std::min(static_cast<double>(outW) / textureWidth, static_cast<double>(outH) / textureHeight);
        r.w = std::max(1, static_cast<int>(textureWidth * scale));
        r.h = std::max(1, static_cast<int>(textureHeight * scale));
        r.x = (outW - r.w) / 2;
        r.y = (outH - r.h) / 2;
        return r;
    }

    // Clears the target and copies the texture (when there is one) onto it, unpresented.
    bool draw() {
        if (SDL_SetRenderDrawColor(renderer, 0, 0, 0, 255) != 0 || SDL_RenderClear(renderer) != 0) {
            lastError = std::string("cannot clear the window: ") + SDL_GetError();
            return false;
        }
        if (!texture || textureWidth == 0) return true;
        const SDL_Rect dst = fit();
        if (SDL_RenderCopy(renderer, texture, nullptr, &dst) != 0) {
            lastError = std::string("cannot draw the frame: ") + SDL_GetError();
            return false;
        }
        return true;
    }
};

namespace {

// Headless video drivers have no GPU behind them; asking for acceleration there only fails
// or picks a slow emulation, and the software renderer is the one that can read back.
bool headless() {
    const char* driver = std::getenv("SDL_VIDEODRIVER");
    if (!driver) return false;
    const std::string_view d(driver);
    return d == "dummy" || d == "offscreen";
}

}  // namespace

SdlViewer::SdlViewer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

SdlViewer::~SdlViewer() = default;

Result<std::unique_ptr<SdlViewer>> SdlViewer::open(int width, int height, const std::string& title) {
    const auto fail = [](std::string why) { return tickwire::fail(ViewError::NoDisplay, std::move(why)); };
    if (width < 1 || height < 1 || width > kMaxPictureSide || height > kMaxPictureSide) {
        return tickwire::fail(ViewError::InvalidSize, "cannot open a viewer of " + std::to_string(width) + " x " +
                                                          std::to_string(height) + " pixels: each side must be 1.." +
                                                          std::to_string(kMaxPictureSide));
    }
    SDL_SetMainReady();
    auto impl = std::make_unique<Impl>();
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) return fail(std::string("cannot start SDL video: ") + SDL_GetError());
    impl->videoStarted = true;
    impl->window = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                    SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!impl->window) return fail(std::string("cannot create the window: ") + SDL_GetError());
    if (!headless()) {
        impl->renderer = SDL_CreateRenderer(impl->window, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    }
    if (!impl->renderer) impl->renderer = SDL_CreateRenderer(impl->window, -1, SDL_RENDERER_SOFTWARE);
    if (!impl->renderer) return fail(std::string("cannot create a renderer for the window: ") + SDL_GetError());
    return std::unique_ptr<SdlViewer>(new SdlViewer(std::move(impl)));
}

bool SdlViewer::pump() {
    SDL_Event event;
    while (SDL_PollEvent(&event) != 0) {
        switch (event.type) {
        case SDL_QUIT:
            impl_->closed = true;
            break;
        case SDL_WINDOWEVENT:
            if (event.window.event == SDL_WINDOWEVENT_CLOSE) impl_->closed = true;
            break;
        case SDL_KEYDOWN:
            if (event.key.keysym.sym == SDLK_ESCAPE) impl_->closed = true;
            if (event.key.keysym.sym == SDLK_g && event.key.repeat == 0) impl_->ghost = !impl_->ghost;
            break;
        default:
            break;
        }
    }
    return !impl_->closed;
}

bool SdlViewer::ghostToggled() const noexcept { return impl_->ghost; }

std::pair<int, int> SdlViewer::outputSize() const noexcept {
    int w = 0;
    int h = 0;
    if (SDL_GetRendererOutputSize(impl_->renderer, &w, &h) != 0) return {0, 0};
    return {w, h};
}

void SdlViewer::present(const Picture& picture) {
    Impl& s = *impl_;
    s.lastError.clear();
    if (picture.empty()) {
        s.textureWidth = 0;
        s.textureHeight = 0;
    } else {
        if (!s.texture || s.textureWidth != picture.width() || s.textureHeight != picture.height()) {
            if (s.texture) SDL_DestroyTexture(s.texture);
            s.textureWidth = 0;
            s.textureHeight = 0;
            // ARGB8888 is one native-endian 32-bit word per pixel, alpha on top: cairo's
            // ARGB32. The frames are opaque, so cairo's premultiplied colours are the colours.
            s.texture = SDL_CreateTexture(s.renderer, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                                          picture.width(), picture.height());
            if (!s.texture) {
                s.lastError = std::string("cannot create a texture for the frame: ") + SDL_GetError();
                return;
            }
            s.textureWidth = picture.width();
            s.textureHeight = picture.height();
        }
        if (SDL_UpdateTexture(s.texture, nullptr, picture.data(), picture.stride()) != 0) {
            s.lastError = std::string("cannot upload the frame: ") + SDL_GetError();
            return;
        }
    }
    if (!s.draw()) return;
    SDL_RenderPresent(s.renderer);
    s.presented = true;
}

bool SdlViewer::readBack(Picture& out) {
    Impl& s = *impl_;
    s.lastError.clear();
    if (!s.presented) {
        s.lastError = "cannot read back: nothing has been presented yet";
        return false;
    }
    const auto [w, h] = outputSize();
    auto picture = Picture::create(w, h);
    if (!picture) {
        s.lastError = "cannot read back: the window's output size " + std::to_string(w) + " x " + std::to_string(h) +
                      " is not a valid picture size";
        return false;
    }
    if (!s.draw()) return false;
    if (SDL_RenderReadPixels(s.renderer, nullptr, SDL_PIXELFORMAT_ARGB8888, picture->mutableData(), picture->stride()) != 0) {
        s.lastError = std::string("cannot read back the frame: ") + SDL_GetError();
        return false;
    }
    picture->markDirty();
    out = std::move(*picture);
    return true;
}

const std::string& SdlViewer::lastError() const noexcept { return impl_->lastError; }

}  // namespace arena::view
