#pragma once
// The value of a Result a test cannot go on without: the test case stops there, with the
// failure's code and detail, instead of aborting the whole run on `*result`.

#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <utility>

namespace tickwire::test {

template <class R>
[[nodiscard]] auto made(R&& result) -> std::remove_cvref_t<decltype(*result)> {
    REQUIRE_MESSAGE(result.has_value(), (result.has_value() ? std::string() : result.message()));
    return std::move(*result);
}

}  // namespace tickwire::test
