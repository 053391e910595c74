#include "cubes.hpp"

#include <tickwire/net/detail/wire.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <new>
#include <string_view>
#include <system_error>
#include <utility>

namespace tickwire::bench {

using engine::Error;
using engine::fail;
using engine::Result;

// ---------------------------------------------------------------------------------------
// File format
// ---------------------------------------------------------------------------------------

namespace {

// A record's eight fields, in file order.
auto fieldsOf(CubeRecord& r) noexcept {
    return std::array{&r.largest, &r.a, &r.b, &r.c, &r.x, &r.y, &r.z, &r.interacting};
}

// Each field is an int32 in two's complement, little-endian.
void putRecord(net::detail::Writer& out, CubeRecord r) {
    for (const std::int32_t* field : fieldsOf(r)) out.put(static_cast<std::uint32_t>(*field));
}

// The caller has checked that a whole record remains.
CubeRecord getRecord(net::detail::Reader& in) noexcept {
    CubeRecord r;
    for (std::int32_t* field : fieldsOf(r)) {
        std::uint32_t bits = 0;
        (void)in.get(bits);
        *field = static_cast<std::int32_t>(bits);  // modular since C++20
    }
    return r;
}

const char* fieldRange(const char* field) noexcept {
    const std::string_view f(field);
    if (f == "largest") return "0..3";
    if (f == "a" || f == "b" || f == "c") return "0..511";
    if (f == "x" || f == "y") return "-16383..16383";
    if (f == "z") return "0..8191";
    return "0..1";
}

std::int32_t fieldValue(const CubeRecord& r, const char* field) noexcept {
    const std::string_view f(field);
    if (f == "largest") return r.largest;
    if (f == "a") return r.a;
    if (f == "b") return r.b;
    if (f == "c") return r.c;
    if (f == "x") return r.x;
    if (f == "y") return r.y;
    if (f == "z") return r.z;
    return r.interacting;
}

std::string describeField(std::size_t frame, std::size_t cube, const CubeRecord& r, const char* field) {
    return "frame " + std::to_string(frame) + " cube " + std::to_string(cube) + " field " + field + " = " +
           std::to_string(fieldValue(r, field)) + " is outside " + fieldRange(field);
}

/// Closes a FILE* on every path out of a function.
struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

const char* invalidCubeField(const CubeRecord& r) noexcept {
    const auto in = [](std::int32_t v, std::int32_t lo, std::int32_t hi) { return v >= lo && v <= hi; };
    if (!in(r.largest, 0, kLargestMax)) return "largest";
    if (!in(r.a, 0, kComponentMax)) return "a";
    if (!in(r.b, 0, kComponentMax)) return "b";
    if (!in(r.c, 0, kComponentMax)) return "c";
    if (!in(r.x, -kPositionXYLimit, kPositionXYLimit)) return "x";
    if (!in(r.y, -kPositionXYLimit, kPositionXYLimit)) return "y";
    if (!in(r.z, 0, kPositionZMax)) return "z";
    if (!in(r.interacting, 0, 1)) return "interacting";
    return nullptr;
}

Result<std::vector<CubeFrame>> readCubeFile(const std::string& path, std::size_t maxFrames) {
    // Checked before opening, so a FIFO or device never blocks the open; checked again on
    // the opened file, whose size is the one that bounds everything below.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(Error::IoError, path + ": not a readable regular file");
    }
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) {
        return fail(Error::IoError, path + ": cannot open");
    }
    struct stat info {};
    if (::fstat(::fileno(file.get()), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0) {
        return fail(Error::IoError, path + ": cannot stat");
    }
    const auto size = static_cast<std::uintmax_t>(info.st_size);
    if (size % kFrameBytes != 0) {
        return fail(Error::Malformed, "size " + std::to_string(size) + " bytes is not a whole number of " +
                     std::to_string(kFrameBytes) + "-byte frames");
    }
    const std::uintmax_t frameCount = size / kFrameBytes;
    if (frameCount > maxFrames) {
        return fail(Error::LimitExceeded, std::to_string(frameCount) + " frames exceed the limit of " + std::to_string(maxFrames));
    }

    std::vector<CubeFrame> frames;
    try {
        // Exactly the file's size: frameCount * kFrameBytes, and CubeFrame holds no padding.
        static_assert(sizeof(CubeFrame) == kFrameBytes);
        frames.resize(static_cast<std::size_t>(frameCount));
    } catch (const std::bad_alloc&) {
        return fail(Error::OutOfMemory, "cannot allocate " + std::to_string(size) + " bytes for " + std::to_string(frameCount) + " frames");
    }

    std::vector<std::uint8_t> buffer(kFrameBytes);
    for (std::size_t f = 0; f < frames.size(); ++f) {
        if (std::fread(buffer.data(), 1, buffer.size(), file.get()) != buffer.size()) {
            return fail(Error::IoError, path + ": shorter than its size while reading frame " + std::to_string(f));
        }
        net::detail::Reader in(buffer);
        for (std::size_t i = 0; i < kCubes; ++i) {
            CubeRecord& r = frames[f][i];
            r = getRecord(in);
            if (const char* bad = invalidCubeField(r)) {
                return fail(Error::Malformed, describeField(f, i, r, bad));
            }
        }
    }
    if (std::fgetc(file.get()) != EOF) {
        return fail(Error::IoError, path + ": grew while reading");
    }
    return frames;
}

Result<void> writeCubeFile(const std::string& path, const std::vector<CubeFrame>& frames) {
    for (const CubeFrame& frame : frames) {
        for (const CubeRecord& r : frame) {
            if (invalidCubeField(r) != nullptr) return fail(Error::InvalidArgument);
        }
    }
    FilePtr file(std::fopen(path.c_str(), "wb"));
    if (!file) return fail(Error::IoError);
    std::vector<std::uint8_t> buffer(kFrameBytes);
    for (const CubeFrame& frame : frames) {
        net::detail::Writer out(buffer);
        for (const CubeRecord& r : frame) putRecord(out, r);
        if (std::fwrite(buffer.data(), 1, buffer.size(), file.get()) != buffer.size()) {
            file.reset();
            std::remove(path.c_str());
            return fail(Error::IoError);
        }
    }
    if (std::fclose(file.release()) != 0) {
        std::remove(path.c_str());
        return fail(Error::IoError);
    }
    return {};
}

}  // namespace tickwire::bench
