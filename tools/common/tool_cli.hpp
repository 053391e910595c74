#pragma once
/// \file tool_cli.hpp
/// What every tickwire program (the tools and the samples) does the same way on its
/// command line with CLI11: parsing with one set of exit codes, and numbers and ports
/// checked with messages that name the option as typed (tool_inputs.hpp, included, has the
/// rest: exit codes, files, keys, tokens, addresses).
///
///     CLI::App app{"...", "echo-server"};
///     app.add_option("--port", port, "UDP port")->check(tickwire::cli::port());
///     app.footer(tickwire::cli::kExitStatus);
///     if (auto code = tickwire::cli::parse(app, argc, argv)) return *code;
///
/// Header-only; needs CLI11 and tickwire-net. Not part of the libraries. CLI11 costs every
/// file that includes it seconds of compilation: a file that needs only the inputs includes
/// tool_inputs.hpp.

#include "tool_inputs.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <string>

namespace tickwire::cli {

/// Parses the command line. None: go on. Otherwise the exit status to return at once:
/// kExitOk after --help, kExitUsage after saying on stderr what is wrong.
[[nodiscard]] inline std::optional<int> parse(CLI::App& app, int argc, const char* const* argv) {
    try {
        app.parse(argc, argv);
        return std::nullopt;
    } catch (const CLI::Success& e) {  // --help
        (void)app.exit(e);
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        std::cerr << app.get_name() << ": " << e.what() << "\nRun with --help for more information.\n";
        return kExitUsage;
    }
}

[[nodiscard]] inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
    return parse(app, argc, const_cast<const char* const*>(argv));
}

/// A number in lo..hi (whole when T is integral). Messages: "'abc' is not a number",
/// "'1.5' is not a whole number", "'70000' is out of range: must be 1..65535".
template <class T>
[[nodiscard]] CLI::Validator range(T lo, T hi) {
    return CLI::Validator([lo, hi](std::string& text) { return detail::checkNumber<T>(text, lo, hi, {}); },
                          "", "tickwire number range");
}

/// A UDP port: 1..65535, or 0..65535 with `zeroPicksFree` (0: the system picks a free port).
[[nodiscard]] inline CLI::Validator port(bool zeroPicksFree = false) {
    const int lo = zeroPicksFree ? 0 : 1;
    return CLI::Validator([lo](std::string& text) { return detail::checkNumber<int>(text, lo, 65535, "a port"); }, "",
                          "tickwire port");
}

}  // namespace tickwire::cli
