#include "transforms.hpp"

#include <tickwire/net/detail/wire.hpp>

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace tickwire::bench {

using engine::Error;
using engine::fail;
using engine::Result;

namespace {

constexpr char kMagic[4] = {'T', 'W', 'T', 'R'};
constexpr std::uint16_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 4 + 2 + 4 + 2 + 8 + 8 + 1 + 4;
constexpr std::size_t kRecordBytes = 7 * 4;

struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

using net::detail::Reader;
using net::detail::Writer;

bool headerValid(const TransformRecording& r) {
    return r.frameRate >= 1 && r.frameRate <= 1000 && std::isfinite(r.positionResolution) &&
           r.positionResolution > 0 && std::isfinite(r.positionLimit) && r.positionLimit > 0 &&
           2 * r.positionLimit / r.positionResolution < 4e9 && r.rotationBits >= 2 && r.rotationBits <= 30 &&
           r.bodies >= 1 && r.bodies <= 100000;
}

const char* invalidRecord(const TransformRecording& r, const TransformRecord& t) {
    const std::uint32_t pmax = r.positionMax();
    const std::uint32_t cmax = (std::uint32_t{1} << r.rotationBits) - 1;
    for (auto p : t.position) {
        if (p > pmax) return "position";
    }
    if (t.largest > 3) return "largest";
    for (auto c : t.rotation) {
        if (c > cmax) return "rotation";
    }
    return nullptr;
}

}  // namespace

std::uint32_t TransformRecording::positionMax() const {
    return static_cast<std::uint32_t>(std::ceil(2 * positionLimit / positionResolution - 1e-9));
}

Result<TransformRecording> readTransformFile(const std::string& path, std::size_t maxFrames) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(Error::IoError, path + ": not a readable regular file");
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return fail(Error::IoError);
    FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) return fail(Error::IoError);
    std::uint8_t h[kHeaderBytes];
    if (size < kHeaderBytes || std::fread(h, 1, kHeaderBytes, file.get()) != kHeaderBytes) {
        return fail(Error::Malformed, "shorter than the header");
    }
    // The whole header was read, so every field below is there.
    Reader header(h);
    std::uint16_t version = 0;
    std::uint64_t resolution = 0;
    std::uint64_t limit = 0;
    std::uint32_t frameCount = 0;
    TransformRecording r;
    (void)(header.skip(sizeof kMagic) && header.get(version) && header.get(r.bodies) && header.get(r.frameRate, 2) &&
           header.get(resolution) && header.get(limit) && header.get(r.rotationBits) && header.get(frameCount));
    if (std::memcmp(h, kMagic, 4) != 0) {
        return fail(Error::Malformed, "not a transform recording (no TWTR magic)");
    }
    if (version != kVersion) {
        return fail(Error::UnsupportedVersion, "version " + std::to_string(version) + "; this build reads version 1");
    }
    r.positionResolution = std::bit_cast<double>(resolution);
    r.positionLimit = std::bit_cast<double>(limit);
    const std::uint64_t frames = frameCount;
    if (!headerValid(r)) {
        return fail(Error::Malformed, "header values out of range");
    }
    if (frames > maxFrames) {
        return fail(Error::LimitExceeded, std::to_string(frames) + " frames exceed the limit of " + std::to_string(maxFrames));
    }
    if (size != kHeaderBytes + frames * r.bodies * kRecordBytes) {
        return fail(Error::Malformed, "size does not match " + std::to_string(frames) + " frames of " + std::to_string(r.bodies) + " bodies");
    }
    std::vector<std::uint8_t> buffer(r.bodies * kRecordBytes);
    r.frames.resize(frames);
    for (std::size_t f = 0; f < frames; ++f) {
        if (std::fread(buffer.data(), 1, buffer.size(), file.get()) != buffer.size()) return fail(Error::IoError);
        auto& frame = r.frames[f];
        frame.resize(r.bodies);
        // The buffer holds exactly `bodies` records.
        Reader in(buffer);
        for (std::size_t b = 0; b < r.bodies; ++b) {
            TransformRecord& t = frame[b];
            for (auto& p : t.position) (void)in.get(p);
            (void)in.get(t.largest);
            for (auto& c : t.rotation) (void)in.get(c);
            if (const char* bad = invalidRecord(r, t)) {
                return fail(Error::Malformed, "frame " + std::to_string(f) + " body " + std::to_string(b) + ": " + bad + " out of range");
            }
        }
    }
    return r;
}

Result<void> writeTransformFile(const std::string& path, const TransformRecording& r) {
    if (!headerValid(r) || r.frames.size() > UINT32_MAX) return fail(Error::InvalidArgument);
    for (const auto& frame : r.frames) {
        if (frame.size() != r.bodies) return fail(Error::InvalidArgument);
        for (const auto& t : frame) {
            if (invalidRecord(r, t)) return fail(Error::InvalidArgument);
        }
    }
    FilePtr file(std::fopen(path.c_str(), "wb"));
    if (!file) return fail(Error::IoError);
    std::vector<std::uint8_t> out;
    Writer header = Writer::appendingTo(out);
    header.put(std::span(reinterpret_cast<const std::uint8_t*>(kMagic), sizeof kMagic));
    header.put(kVersion);
    header.put(r.bodies);
    header.put(r.frameRate, 2);
    header.put(std::bit_cast<std::uint64_t>(r.positionResolution));
    header.put(std::bit_cast<std::uint64_t>(r.positionLimit));
    header.put(r.rotationBits);
    header.put(static_cast<std::uint32_t>(r.frames.size()));
    bool ok = std::fwrite(out.data(), 1, out.size(), file.get()) == out.size();
    for (const auto& frame : r.frames) {
        out.clear();
        Writer records = Writer::appendingTo(out);
        for (const auto& t : frame) {
            for (auto p : t.position) records.put(p);
            records.put(t.largest);
            for (auto c : t.rotation) records.put(c);
        }
        ok = ok && std::fwrite(out.data(), 1, out.size(), file.get()) == out.size();
    }
    if (std::fclose(file.release()) != 0 || !ok) {
        std::remove(path.c_str());
        return fail(Error::IoError);
    }
    return {};
}

}  // namespace tickwire::bench
