#include "../../support/temp_dir.hpp"
#include <doctest/doctest.h>

#include "cubes.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace tickwire::bench;
using tickwire::engine::Error;

namespace {

using tickwire::test::TempDir;

/// Frames whose records exercise both ends of every field, negative positions included.
std::vector<CubeFrame> edgeFrames(std::size_t count) {
    std::vector<CubeFrame> frames(count);
    for (std::size_t f = 0; f < count; ++f) {
        for (std::size_t i = 0; i < kCubes; ++i) {
            const auto n = static_cast<std::int32_t>(f * kCubes + i);
            CubeRecord& r = frames[f][i];
            r.largest = n % 4;
            r.a = n % 512;
            r.b = 511 - n % 512;
            r.c = (n * 7) % 512;
            r.x = (n % 2 == 0) ? -kPositionXYLimit + n % 100 : kPositionXYLimit - n % 100;
            r.y = -(n % 16384);
            r.z = (n * 13) % (kPositionZMax + 1);
            r.interacting = n % 2;
        }
    }
    return frames;
}

/// Overwrites field `field` (0 = largest .. 7 = interacting) of one record in a file.
void patchField(const std::string& path, std::size_t frame, std::size_t cube, std::size_t field, std::int32_t value) {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(file);
    file.seekp(static_cast<std::streamoff>(frame * kFrameBytes + cube * kRecordBytes + field * 4));
    const auto u = static_cast<std::uint32_t>(value);
    const char bytes[4] = {static_cast<char>(u & 0xFF), static_cast<char>((u >> 8) & 0xFF),
                           static_cast<char>((u >> 16) & 0xFF), static_cast<char>((u >> 24) & 0xFF)};
    file.write(bytes, 4);
    REQUIRE(file);
}

}  // namespace

TEST_CASE("a recording written and read back is identical, field by field") {
    TempDir dir;
    const std::string path = dir.file("edge.bin");
    const auto frames = edgeFrames(3);
    REQUIRE(writeCubeFile(path, frames).has_value());
    CHECK(std::filesystem::file_size(path) == 3 * kFrameBytes);

    const auto read = readCubeFile(path);
    REQUIRE(read.has_value());
    REQUIRE(read->size() == frames.size());
    CHECK(*read == frames);
}

TEST_CASE("the file is little-endian int32 in record order") {
    TempDir dir;
    const std::string path = dir.file("layout.bin");
    std::vector<CubeFrame> frames(1);
    frames[0][1] = CubeRecord{.largest = 3, .a = 1, .b = 2, .c = 511, .x = -2, .y = 300, .z = 8191, .interacting = 1};
    REQUIRE(writeCubeFile(path, frames).has_value());

    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(kRecordBytes));
    unsigned char bytes[kRecordBytes] = {};
    in.read(reinterpret_cast<char*>(bytes), kRecordBytes);
    REQUIRE(in);
    const unsigned char expected[kRecordBytes] = {3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0xFF, 1, 0, 0,
                                                  0xFE, 0xFF, 0xFF, 0xFF, 0x2C, 1, 0, 0, 0xFF, 0x1F, 0, 0, 1, 0, 0, 0};
    for (std::size_t i = 0; i < kRecordBytes; ++i) CHECK(bytes[i] == expected[i]);
}

TEST_CASE("an empty file is a recording of zero frames") {
    TempDir dir;
    const std::string path = dir.file("empty.bin");
    std::ofstream(path, std::ios::binary).close();
    const auto read = readCubeFile(path);
    REQUIRE(read.has_value());
    CHECK(read->empty());
}

TEST_CASE("a file whose size is not a whole number of frames is malformed") {
    TempDir dir;
    const std::string path = dir.file("ragged.bin");
    REQUIRE(writeCubeFile(path, edgeFrames(2)).has_value());
    {
        std::ofstream out(path, std::ios::binary | std::ios::app);
        out.write("\0\0\0\0\0", 5);
    }
    const auto read = readCubeFile(path, 100000);
    const std::string why = read ? std::string() : read.detail();
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error() == Error::Malformed);
    CHECK(why.find("whole number") != std::string::npos);

    // A file shorter than one frame is ragged too.
    const std::string shortPath = dir.file("short.bin");
    {
        std::ofstream out(shortPath, std::ios::binary);
        out.write("\1\0\0\0", 4);
    }
    const auto shortRead = readCubeFile(shortPath);
    REQUIRE_FALSE(shortRead.has_value());
    CHECK(shortRead.error() == Error::Malformed);
}

TEST_CASE("a field out of its range is malformed and the reason names frame, cube and field") {
    struct Case {
        std::size_t field;
        std::int32_t value;
        const char* name;
    };
    const Case cases[] = {
        {0, 4, "largest"},       {0, -1, "largest"}, {1, 512, "a"},          {2, -1, "b"},
        {3, 1 << 30, "c"},       {4, 16384, "x"},    {5, -16384, "y"},       {6, -1, "z"},
        {6, 8192, "z"},          {7, 2, "interacting"}, {7, INT32_MIN, "interacting"},
    };
    TempDir dir;
    for (const Case& c : cases) {
        CAPTURE(c.name);
        CAPTURE(c.value);
        const std::string path = dir.file("bad.bin");
        REQUIRE(writeCubeFile(path, edgeFrames(3)).has_value());
        patchField(path, 1, 17, c.field, c.value);
            const auto read = readCubeFile(path, 100000);
        const std::string why = read ? std::string() : read.detail();
        REQUIRE_FALSE(read.has_value());
        CHECK(read.error() == Error::Malformed);
        CHECK(why.find("frame 1 cube 17 field " + std::string(c.name) + " ") != std::string::npos);
        CHECK(why.find(std::to_string(c.value)) != std::string::npos);
    }
}

TEST_CASE("a missing file is an I/O error") {
    TempDir dir;
    const auto read = readCubeFile(dir.file("absent.bin"), 100000);
    const std::string why = read ? std::string() : read.detail();
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error() == Error::IoError);
    CHECK_FALSE(why.empty());

    // A directory is not a recording either.
    const auto dirRead = readCubeFile(dir.file(""));
    REQUIRE_FALSE(dirRead.has_value());
    CHECK(dirRead.error() == Error::IoError);
}

TEST_CASE("a file with more frames than the limit is refused") {
    TempDir dir;
    const std::string path = dir.file("long.bin");
    REQUIRE(writeCubeFile(path, edgeFrames(3)).has_value());
    const auto refused = readCubeFile(path, 2);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error() == Error::LimitExceeded);
    const auto accepted = readCubeFile(path, 3);
    REQUIRE(accepted.has_value());
    CHECK(accepted->size() == 3);
}

TEST_CASE("writing a record out of range is refused and leaves no file") {
    TempDir dir;
    const std::string path = dir.file("refused.bin");
    auto frames = edgeFrames(2);
    frames[1][900].a = 512;
    const auto written = writeCubeFile(path, frames);
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error() == Error::InvalidArgument);
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("writing into a missing directory is an I/O error") {
    TempDir dir;
    const auto written = writeCubeFile(dir.file("no/such/dir.bin"), edgeFrames(1));
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error() == Error::IoError);
}
