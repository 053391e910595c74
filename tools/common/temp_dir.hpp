#pragma once
/// \file temp_dir.hpp
/// A scratch directory, removed with everything in it when its TempDir goes, unless kept
/// for reading. tickwire-bench keeps one per run; the tests use it through
/// tests/support/temp_dir.hpp, which stops the test case when none can be made.
///
///     auto dir = tickwire::tool::TempDir::create("tickwire-bench-arena");
///     if (!dir) return fail(dir.detail());
///     const std::string key = dir->file("server.key");
///
/// Header-only, C++ standard library and POSIX. Not part of the libraries.

#include <tickwire/net/result.hpp>

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace tickwire::tool {

class TempDir {
public:
    /// A new directory PREFIX-XXXXXX under the system's temporary directory ($TMPDIR, else
    /// /tmp). IoError, with the system's reason, when it cannot be made.
    [[nodiscard]] static net::Result<TempDir> create(std::string_view prefix) {
        std::error_code ec;
        std::filesystem::path base = std::filesystem::temp_directory_path(ec);
        if (ec) base = "/tmp";
        std::string pattern = (base / (std::string(prefix) + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            return net::fail(net::Error::IoError,
                             "cannot make a temporary directory " + pattern + ": " + std::strerror(errno));
        }
        return TempDir(std::move(pattern));
    }

    ~TempDir() {
        if (path_.empty() || keep_) return;
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})), keep_(other.keep_) {}
    TempDir& operator=(TempDir&&) = delete;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    /// The path of `name` inside the directory (the file is not created).
    [[nodiscard]] std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }
    /// Leaves the directory and what is in it when this TempDir goes.
    void keep() { keep_ = true; }

private:
    explicit TempDir(std::string path) : path_(std::move(path)) {}
    std::string path_;
    bool keep_ = false;
};

}  // namespace tickwire::tool
