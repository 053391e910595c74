#include "view/picture.hpp"

#include <cairo-svg.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

namespace arena::view {

namespace {

// cairo's toy text API refuses a string that is not UTF-8 by putting the whole context in
// an error state, after which it draws nothing at all. A title may be a file name in any
// encoding, so anything that is not valid UTF-8 is shown as '?' instead.
std::string utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        if (lead < 0x80) length = 1;
        else if (lead >= 0xC2 && lead <= 0xDF) length = 2;
        else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
        else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
        bool valid = length > 0 && i + length <= text.size() && (length != 1 || lead != 0);
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        }
        // Overlong forms and surrogates are not UTF-8 either.
        if (valid && length == 3) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            valid = !(lead == 0xE0 && second < 0xA0) && !(lead == 0xED && second >= 0xA0);
        }
        if (valid && length == 4) {
            const auto second = static_cast<unsigned char>(text[i + 1]);
            valid = !(lead == 0xF0 && second < 0x90) && !(lead == 0xF4 && second >= 0x90);
        }
        if (valid) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out.push_back('?');
            ++i;
        }
    }
    return out;
}

void selectFont(cairo_t* cr, double size, bool bold) {
    cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

std::string reason(int code) { return std::error_code(code, std::generic_category()).message(); }

// Where cairo's stream writers put their bytes: a file descriptor, and the first errno.
struct Sink {
    int fd = -1;
    int error = 0;
};

cairo_status_t writeToSink(void* closure, const unsigned char* data, unsigned int length) {
    auto* sink = static_cast<Sink*>(closure);
    while (length > 0) {
        const ::ssize_t n = ::write(sink->fd, data, length);
        if (n < 0) {
            if (errno == EINTR) continue;
            sink->error = errno;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        data += n;
        length -= static_cast<unsigned int>(n);
    }
    return CAIRO_STATUS_SUCCESS;
}

// Writes through `write` (which returns cairo's status) into a temporary file beside
// `path`, then renames it over `path`.
Result<void> writeAtomically(const std::string& path, const std::function<cairo_status_t(Sink&)>& write) {
    using tickwire::fail;
    if (path.empty()) return fail(ViewError::InvalidSize, "cannot write a picture: the path is empty");
    std::string temp = path + ".tmp-XXXXXX";
    Sink sink;
    sink.fd = ::mkstemp(temp.data());
    if (sink.fd < 0) return fail(ViewError::WriteFailed, "cannot create a temporary file beside " + path + ": " + reason(errno));
    const auto abandon = [&](std::string why) -> Result<void> {
        if (sink.fd >= 0) ::close(sink.fd);
        ::unlink(temp.c_str());
        return fail(ViewError::WriteFailed, std::move(why));
    };
    // mkstemp makes the file private; a picture is meant to be read by others.
    if (::fchmod(sink.fd, 0644) != 0) return abandon("cannot set the permissions of " + temp + ": " + reason(errno));
    const cairo_status_t status = write(sink);
    if (status != CAIRO_STATUS_SUCCESS) {
        return abandon("cannot write " + temp + ": " +
                       (sink.error != 0 ? reason(sink.error) : std::string(cairo_status_to_string(status))));
    }
    const int fd = std::exchange(sink.fd, -1);
    if (::close(fd) != 0) return abandon("cannot write " + temp + ": " + reason(errno));
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        return abandon("cannot rename " + temp + " to " + path + ": " + reason(errno));
    }
    return {};
}

bool validSize(int width, int height) {
    return width >= 1 && height >= 1 && width <= kMaxPictureSide && height <= kMaxPictureSide;
}

}  // namespace

void setColour(cairo_t* cr, Rgba c) noexcept {
    cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0);
}

double textWidth(cairo_t* cr, std::string_view text, double size, bool bold) {
    if (text.empty() || !(size > 0.0) || !std::isfinite(size)) return 0.0;
    cairo_save(cr);
    selectFont(cr, size, bold);
    cairo_text_extents_t extents{};
    cairo_text_extents(cr, utf8(text).c_str(), &extents);
    cairo_restore(cr);
    return extents.x_advance;
}

void drawText(cairo_t* cr, double x, double y, std::string_view text, Rgba colour, double size, Align align, bool bold) {
    if (text.empty() || !(size > 0.0) || !std::isfinite(size) || !std::isfinite(x) || !std::isfinite(y)) return;
    const std::string clean = utf8(text);
    cairo_save(cr);
    selectFont(cr, size, bold);
    double left = x;
    if (align != Align::Left) {
        cairo_text_extents_t extents{};
        cairo_text_extents(cr, clean.c_str(), &extents);
        left -= align == Align::Centre ? extents.x_advance / 2.0 : extents.x_advance;
    }
    setColour(cr, colour);
    cairo_move_to(cr, left, y);
    cairo_show_text(cr, clean.c_str());
    cairo_restore(cr);
}

std::optional<Picture> Picture::create(int width, int height) {
    if (!validSize(width, height)) return std::nullopt;
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
    if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return std::nullopt;
    }
    return Picture(surface);
}

Picture::~Picture() {
    if (surface_) cairo_surface_destroy(surface_);
}

Picture::Picture(Picture&& other) noexcept : surface_(std::exchange(other.surface_, nullptr)) {}

Picture& Picture::operator=(Picture&& other) noexcept {
    if (this != &other) {
        if (surface_) cairo_surface_destroy(surface_);
        surface_ = std::exchange(other.surface_, nullptr);
    }
    return *this;
}

int Picture::width() const noexcept { return surface_ ? cairo_image_surface_get_width(surface_) : 0; }
int Picture::height() const noexcept { return surface_ ? cairo_image_surface_get_height(surface_) : 0; }
int Picture::stride() const noexcept { return surface_ ? cairo_image_surface_get_stride(surface_) : 0; }

const unsigned char* Picture::data() const noexcept {
    if (!surface_) return nullptr;
    cairo_surface_flush(surface_);
    return cairo_image_surface_get_data(surface_);
}

unsigned char* Picture::mutableData() noexcept {
    if (!surface_) return nullptr;
    cairo_surface_flush(surface_);
    return cairo_image_surface_get_data(surface_);
}

void Picture::markDirty() noexcept {
    if (surface_) cairo_surface_mark_dirty(surface_);
}

Rgba Picture::pixel(int x, int y) const noexcept {
    if (!surface_ || x < 0 || y < 0 || x >= width() || y >= height()) return {0, 0, 0, 0};
    const unsigned char* row = data() + static_cast<std::ptrdiff_t>(y) * stride();
    std::uint32_t word = 0;
    std::memcpy(&word, row + static_cast<std::ptrdiff_t>(x) * 4, sizeof word);
    const auto a = static_cast<std::uint8_t>(word >> 24);
    if (a == 0) return {0, 0, 0, 0};
    const auto straight = [a](std::uint32_t premultiplied) {
        return static_cast<std::uint8_t>(std::min<std::uint32_t>(255, (premultiplied * 255 + a / 2) / a));
    };
    return {straight((word >> 16) & 0xFF), straight((word >> 8) & 0xFF), straight(word & 0xFF), a};
}

void Picture::draw(const std::function<void(cairo_t*)>& draw) {
    if (!surface_) return;
    cairo_t* cr = cairo_create(surface_);
    draw(cr);
    cairo_destroy(cr);
    cairo_surface_flush(surface_);
}

PictureFormat formatFor(std::string_view path) noexcept {
    if (path.size() < 4) return PictureFormat::Png;
    const std::string_view end = path.substr(path.size() - 4);
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    const bool svg = lower(end[0]) == '.' && lower(end[1]) == 's' && lower(end[2]) == 'v' && lower(end[3]) == 'g';
    return svg ? PictureFormat::Svg : PictureFormat::Png;
}

std::string_view describe(ViewError e) noexcept {
    switch (e) {
    case ViewError::InvalidSize: return "invalid size";
    case ViewError::OutOfMemory: return "out of memory";
    case ViewError::WriteFailed: return "cannot write the file";
    case ViewError::NoDisplay: return "no display";
    }
    return "unknown view error";
}

Result<void> writePng(const Picture& picture, const std::string& path) {
    if (picture.empty()) {
        return tickwire::fail(ViewError::InvalidSize, "cannot write " + path + ": the picture is empty (0 x 0)");
    }
    return writeAtomically(
        path, [&](Sink& sink) { return cairo_surface_write_to_png_stream(picture.surface(), writeToSink, &sink); });
}

Result<void> savePicture(const std::string& path, int width, int height, const std::function<void(cairo_t*)>& draw) {
    if (!validSize(width, height)) {
        return tickwire::fail(ViewError::InvalidSize, "cannot draw a picture of " + std::to_string(width) + " x " +
                                                          std::to_string(height) + " pixels: each side must be 1.." +
                                                          std::to_string(kMaxPictureSide));
    }
    if (formatFor(path) == PictureFormat::Png) {
        auto picture = Picture::create(width, height);
        if (!picture) {
            return tickwire::fail(ViewError::OutOfMemory,
                                  "cannot allocate a picture of " + std::to_string(width) + " x " + std::to_string(height));
        }
        picture->draw(draw);
        return writePng(*picture, path);
    }
    return writeAtomically(
        path,
        [&](Sink& sink) {
            cairo_surface_t* surface = cairo_svg_surface_create_for_stream(writeToSink, &sink, width, height);
            cairo_t* cr = cairo_create(surface);
            draw(cr);
            cairo_destroy(cr);
            // Finishing writes the end of the document; its errors are the surface's.
            cairo_surface_finish(surface);
            const cairo_status_t status = cairo_surface_status(surface);
            cairo_surface_destroy(surface);
            return status;
        });
}

}  // namespace arena::view
