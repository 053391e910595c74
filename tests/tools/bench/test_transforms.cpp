#include "../../support/temp_dir.hpp"
#include <doctest/doctest.h>

#include "transforms.hpp"

#include <filesystem>
#include <fstream>
#include <string>

using namespace tickwire::bench;
using tickwire::engine::Error;

namespace {
using tickwire::test::TempDir;

TransformRecording sample() {
    TransformRecording r;
    r.bodies = 2;
    r.frames = {{TransformRecord{{0, 8000, 17}, 3, {0, 4095, 7}}, TransformRecord{{1, 2, 3}, 0, {5, 6, 7}}},
                {TransformRecord{{8000, 0, 1}, 1, {1, 2, 3}}, TransformRecord{{4, 5, 6}, 2, {4095, 0, 9}}}};
    return r;
}
}  // namespace

TEST_CASE("a transform recording written and read back is identical") {
    TempDir dir;
    const std::string path = dir.file("t.bin");
    REQUIRE(writeTransformFile(path, sample()).has_value());
    const auto read = readTransformFile(path);
    REQUIRE(read.has_value());
    CHECK(*read == sample());
    CHECK(read->positionMax() == 8000);
}

TEST_CASE("a transform recording out of range is refused on writing and on reading") {
    TempDir dir;
    auto bad = sample();
    bad.frames[1][0].rotation[0] = 4096;
    CHECK(writeTransformFile(dir.file("bad.bin"), bad).error() == Error::InvalidArgument);
    bad = sample();
    bad.frames[1].pop_back();
    CHECK(writeTransformFile(dir.file("bad.bin"), bad).error() == Error::InvalidArgument);

    const std::string path = dir.file("t.bin");
    REQUIRE(writeTransformFile(path, sample()).has_value());
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(33 + 12);  // the first record's largest
        f.put(static_cast<char>(9));
    }
    const auto read = readTransformFile(path, 1000);
    const std::string why = read ? std::string() : read.detail();
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error() == Error::Malformed);
    CHECK(why.find("largest") != std::string::npos);
}

TEST_CASE("a transform recording that is cut short or not one is malformed") {
    TempDir dir;
    const std::string path = dir.file("t.bin");
    REQUIRE(writeTransformFile(path, sample()).has_value());
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
    CHECK(readTransformFile(path).error() == Error::Malformed);
    std::ofstream(dir.file("junk.bin")) << "not a recording at all, just text";
    CHECK(readTransformFile(dir.file("junk.bin")).error() == Error::Malformed);
    CHECK(readTransformFile(dir.file("missing.bin")).error() == Error::IoError);
}
