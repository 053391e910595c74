#pragma once
/// \file transforms.hpp
/// Transform recordings: N rigid bodies, each frame a quantized position and a
/// smallest-three rotation per body, as a network-transform benchmark sends them. The
/// physics that makes them is elsewhere (scenes.hpp): this file is only the format.
///
/// File layout, little-endian:
///
///     magic "TWTR" | version u16 (1) | bodies u32 | frame rate u16 (Hz)
///     | position resolution f64 | position limit f64 | rotation bits u8
///     | frames u32 | frames x bodies records
///
/// A record is seven u32: the position's three quantized integers (x, y, z, each
/// 0..2 * limit / resolution, the value limit * -1 + q * resolution), the index of the
/// rotation's largest component (0 = w, 1 = x, 2 = y, 3 = z) and the other three
/// components (0 .. 2^bits - 1), exactly as tickwire's BoundedFloat and QuatSmallestThree
/// quantize them (docs/PROTOCOL.md §6).

#include <tickwire/engine/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tickwire::bench {

/// One body's quantized transform in one frame, in file order.
struct TransformRecord {
    std::array<std::uint32_t, 3> position{};  ///< quantized x, y, z
    std::uint32_t largest = 0;                ///< 0..3: w, x, y, z
    std::array<std::uint32_t, 3> rotation{};  ///< the other three components, 0..2^bits - 1
    friend bool operator==(const TransformRecord&, const TransformRecord&) = default;
};

/// A whole recording.
struct TransformRecording {
    std::uint32_t frameRate = 30;      ///< frames per second, 1..1000
    double positionResolution = 0.01;  ///< units per quantization step, > 0
    double positionLimit = 40.0;       ///< positions are in [-limit, limit], > 0
    std::uint8_t rotationBits = 12;    ///< bits per smallest-three component, 2..30
    std::uint32_t bodies = 0;          ///< records per frame, 1..100,000
    std::vector<std::vector<TransformRecord>> frames;  ///< each exactly `bodies` long

    /// Largest quantized position integer: ceil(2 * limit / resolution).
    [[nodiscard]] std::uint32_t positionMax() const;
    friend bool operator==(const TransformRecording&, const TransformRecording&) = default;
};

/// Reads a recording. Errors: IoError (missing or unreadable), Malformed (bad magic or
/// header, a size that is not the header's frame count, a value out of its range; the
/// detail says which), UnsupportedVersion, LimitExceeded (more than maxFrames frames).
[[nodiscard]] engine::Result<TransformRecording> readTransformFile(const std::string& path,
                                                                      std::size_t maxFrames = 200000);

/// Writes a recording, replacing the file. Errors: InvalidArgument (a header value or a
/// record out of range, or a frame of the wrong size: nothing is written), IoError.
[[nodiscard]] engine::Result<void> writeTransformFile(const std::string& path, const TransformRecording& recording);

}  // namespace tickwire::bench
