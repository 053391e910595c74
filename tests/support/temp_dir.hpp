#pragma once
// A scratch directory for a test (tools/common/temp_dir.hpp), removed with everything in it
// when the test ends; the test case stops when none can be made.

#include "../../tools/common/temp_dir.hpp"
#include "made.hpp"

namespace tickwire::test {

class TempDir : public tickwire::tool::TempDir {
public:
    TempDir() : tickwire::tool::TempDir(made(tickwire::tool::TempDir::create("tickwire-test"))) {}
};

}  // namespace tickwire::test
