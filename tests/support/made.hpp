#pragma once
// Results a test cannot go on without: the test case stops there, with the failure's code
// and detail, instead of aborting the whole run on `*result`.
//
//     auto server = test::made(ServerSession<G>::create(config));   // the value, or stop
//     const auto saved = savePicture(path, 800, 600, draw);
//     TICKWIRE_REQUIRE_OK(saved);                                     // success, or stop

#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <utility>

namespace tickwire::test {

/// What a failed Result says ("" for a successful one), for a check's message.
template <class R>
[[nodiscard]] std::string failureOf(const R& result) {
    return result.has_value() ? std::string() : result.message();
}

template <class R>
[[nodiscard]] auto made(R&& result) -> std::remove_cvref_t<decltype(*result)> {
    REQUIRE_MESSAGE(result.has_value(), failureOf(result));
    return std::move(*result);
}

}  // namespace tickwire::test

/// Stops the test case unless `result` (a Result variable) succeeded, naming its failure
/// at the caller's line.
#define TICKWIRE_REQUIRE_OK(result) REQUIRE_MESSAGE((result).has_value(), ::tickwire::test::failureOf(result))
