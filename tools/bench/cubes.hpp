#pragma once
/// \file cubes.hpp
/// Recordings in the layout of the 2015 networked-physics snapshot-compression challenge:
/// reading and writing such files. The physics that makes them is elsewhere
/// (scenes.hpp): this file is only the format.
///
/// File layout, little-endian, no header: a sequence of frames; each frame is kCubes
/// records; each record is eight int32 in CubeRecord's field order. The first frame is
/// repeated six times at the start, so frame i >= 6 can be encoded against frame i - 6.

#include <tickwire/engine/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tickwire::bench {

/// One cube's quantized state in one frame, in file order.
struct CubeRecord {
    std::int32_t largest = 0;      ///< index (0..3: x, y, z, w) of the dropped largest quaternion component
    std::int32_t a = 0;            ///< first kept component, 0..511 mapping [-1/sqrt2, +1/sqrt2]
    std::int32_t b = 0;            ///< second kept component, 0..511
    std::int32_t c = 0;            ///< third kept component, 0..511
    std::int32_t x = 0;            ///< position x in 1/512 m, -16383..16383
    std::int32_t y = 0;            ///< position y in 1/512 m, -16383..16383
    std::int32_t z = 0;            ///< height in 1/512 m, 0..8191
    std::int32_t interacting = 0;  ///< 1 when the cube is moving and in contact with the action, else 0
    friend bool operator==(const CubeRecord&, const CubeRecord&) = default;
};

/// Cubes per frame: the player cube (index 0) and 900 small cubes.
inline constexpr std::size_t kCubes = 901;
/// Leading copies of the first frame at the start of every file.
inline constexpr std::size_t kLeadingCopies = 6;
/// Bytes of one record in a file: eight little-endian int32.
inline constexpr std::size_t kRecordBytes = 8 * sizeof(std::int32_t);
/// Bytes of one frame in a file.
inline constexpr std::size_t kFrameBytes = kCubes * kRecordBytes;

/// Valid ranges of the record fields, inclusive.
inline constexpr std::int32_t kLargestMax = 3;
inline constexpr std::int32_t kComponentMax = 511;
inline constexpr std::int32_t kPositionXYLimit = 16383;  ///< |x|, |y| at most this
inline constexpr std::int32_t kPositionZMax = 8191;

/// One frame: kCubes records, cube 0 first.
using CubeFrame = std::array<CubeRecord, kCubes>;

/// Reads a whole recording. The file's size is checked before anything is allocated, and
/// nothing larger than the file is ever allocated.
/// - engine::Error::IoError: the file is missing, unreadable, or its size changed while reading.
/// - engine::Error::LimitExceeded: the file holds more than maxFrames frames.
/// - engine::Error::OutOfMemory: the frames do not fit in memory.
/// - engine::Error::Malformed: the size is not a whole number of frames, or a field is outside its
///   range; the detail says which frame, cube and field.
/// A file of zero bytes is a valid recording of zero frames.
[[nodiscard]] engine::Result<std::vector<CubeFrame>> readCubeFile(const std::string& path,
                                                                 std::size_t maxFrames = 100000);

/// Writes frames as a recording, replacing the file at path.
/// - engine::Error::InvalidArgument: a field is outside its range (nothing is written), so every
///   file written here reads back.
/// - engine::Error::IoError: the file could not be created or written.
[[nodiscard]] engine::Result<void> writeCubeFile(const std::string& path, const std::vector<CubeFrame>& frames);

/// Checks one record against the field ranges. Returns the name of the first field out of
/// range ("largest", "a", ..., "interacting"), or nullptr when every field is valid.
[[nodiscard]] const char* invalidCubeField(const CubeRecord& record) noexcept;

}  // namespace tickwire::bench
