#pragma once
/// \file result.hpp
/// The Result type both libraries return from every fallible call: a value, or a Failure
/// that pairs a code a program can branch on with a detail a person can read ("ttlMs
/// must be 1..600000, got 0"). tickwire::net's codes are net::Error
/// (tickwire/net/result.hpp), tickwire::engine's are engine::Error
/// (tickwire/engine/error.hpp); each namespace names its Result<T>.

#include <tl/expected.hpp>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tickwire {

/// Why a call failed: `code` for the program, `detail` (may be empty) for the log.
template <class Code>
struct Failure {
    Code code{};
    std::string detail;
};

/// "description: detail", or the description alone: what a log line or an error message
/// shows of a failure.
template <class Code>
[[nodiscard]] std::string describe(const Failure<Code>& f) {
    std::string out(describe(f.code));
    if (!f.detail.empty()) out.append(": ").append(f.detail);
    return out;
}

namespace net::detail {
/// Prints "tickwire: ..." naming the failure to stderr and aborts, in every build type
/// (defined in tickwire-net, which the engine links too).
[[noreturn]] void failedResultAccess(std::string_view code, std::string_view detail) noexcept;
[[noreturn]] void errorOfSuccessfulResult() noexcept;
}  // namespace net::detail

/// A value or a Failure<Code> (tl::expected underneath). Results must be checked:
/// functions returning one are [[nodiscard]]. Reading the value of a failed Result (`*r`,
/// `r->`) or the error of a successful one stops the program with a message naming the
/// failure, in every build type: a server started with `*Key::load("missing")` aborts
/// instead of running with a key made of an error code and zeros. `describe(Code)` is
/// found by argument-dependent lookup in the code's namespace.
template <class T, class Code>
class Result : public tl::expected<T, Failure<Code>> {
    using Base = tl::expected<T, Failure<Code>>;

public:
    using Base::Base;
    Result(const Base& other) : Base(other) {}
    Result(Base&& other) noexcept(std::is_nothrow_move_constructible_v<Base>) : Base(std::move(other)) {}

    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    U& operator*() & {
        check();
        return Base::operator*();
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    const U& operator*() const& {
        check();
        return Base::operator*();
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    U&& operator*() && {
        check();
        return std::move(Base::operator*());
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    const U&& operator*() const&& {
        check();
        return std::move(Base::operator*());
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    U* operator->() {
        check();
        return Base::operator->();
    }
    template <class U = T, std::enable_if_t<!std::is_void_v<U>>* = nullptr>
    const U* operator->() const {
        check();
        return Base::operator->();
    }
    /// The failure's code; only valid on a failed Result.
    [[nodiscard]] Code error() const { return failure().code; }
    /// The failure's detail (may be empty); only valid on a failed Result.
    [[nodiscard]] const std::string& detail() const { return failure().detail; }
    /// The whole failure; only valid on a failed Result. `return fail(r.failure());`
    /// passes one on unchanged.
    [[nodiscard]] const Failure<Code>& failure() const {
        if (this->has_value()) net::detail::errorOfSuccessfulResult();
        return Base::error();
    }
    /// "description: detail", or the description alone: what a log line or an error
    /// message shows. Only valid on a failed Result.
    [[nodiscard]] std::string message() const { return tickwire::describe(failure()); }

private:
    void check() const {
        if (!this->has_value()) net::detail::failedResultAccess(describe(Base::error().code), Base::error().detail);
    }
};

/// Returning a failure: `return fail(Error::Truncated);` or, with what a person needs to
/// fix it, `return fail(Error::InvalidConfig, "maxClients must be 1..4096");`.
template <class Code>
    requires std::is_enum_v<Code>
[[nodiscard]] tl::unexpected<Failure<Code>> fail(Code code, std::string detail = {}) {
    return tl::unexpected<Failure<Code>>(Failure<Code>{code, std::move(detail)});
}

/// Passes a failure on: `if (!r) return fail(r.failure());`.
template <class Code>
[[nodiscard]] tl::unexpected<Failure<Code>> fail(Failure<Code> failure) {
    return tl::unexpected<Failure<Code>>(std::move(failure));
}

}  // namespace tickwire
