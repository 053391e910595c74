#include "../support/temp_dir.hpp"
#include <doctest/doctest.h>

#include <tickwire/net/key.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace tickwire::net;

namespace {

using tickwire::test::TempDir;

void writeBytes(const std::string& path, std::size_t size) {
    std::ofstream out(path, std::ios::binary);
    out << std::string(size, '\x5A');
}

unsigned fileMode(const std::string& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

}  // namespace

TEST_CASE("a default key is all zero and a generated key is not") {
    CHECK(Key{}.isZero());
    CHECK_FALSE(Key::generate().isZero());
}

TEST_CASE("every generated key differs from the others") {
    std::vector<Key> keys;
    for (int i = 0; i < 64; ++i) keys.push_back(Key::generate());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        for (std::size_t j = i + 1; j < keys.size(); ++j) CHECK_FALSE(keys[i] == keys[j]);
    }
}

TEST_CASE("keys compare equal exactly when all their bytes are equal") {
    const Key a = Key::generate();
    const Key copy = a;
    CHECK(a == copy);
    Key assigned;
    assigned = a;
    CHECK(assigned == a);

    for (std::size_t i = 0; i < Key::kSize; ++i) {
        std::array<std::uint8_t, Key::kSize> bytes{};
        std::copy(a.bytes().begin(), a.bytes().end(), bytes.begin());
        bytes[i] ^= 0x01;
        const auto changed = Key::fromBytes(bytes);
        REQUIRE(changed.has_value());
        CHECK_FALSE(*changed == a);
    }
}

TEST_CASE("a key is built only from exactly 32 bytes") {
    std::vector<std::uint8_t> bytes(Key::kSize, 7);
    const auto key = Key::fromBytes(bytes);
    REQUIRE(key.has_value());
    CHECK(std::equal(key->bytes().begin(), key->bytes().end(), bytes.begin()));
    CHECK(key->data() == key->bytes().data());

    for (const std::size_t size : {std::size_t{0}, Key::kSize - 1, Key::kSize + 1}) {
        CAPTURE(size);
        const auto wrong = Key::fromBytes(std::vector<std::uint8_t>(size, 7));
        REQUIRE_FALSE(wrong.has_value());
        CHECK(wrong.error() == Error::InvalidArgument);
    }
}

TEST_CASE("a saved key is readable only by its owner and loads back equal") {
    TempDir dir;
    const auto path = dir.file("server.key");
    const Key key = Key::generate();
    REQUIRE(key.save(path).has_value());
    CHECK(fileMode(path) == 0600);
    CHECK(std::filesystem::file_size(path) == Key::kSize);

    const auto loaded = Key::load(path);
    REQUIRE(loaded.has_value());
    CHECK(*loaded == key);
}

TEST_CASE("saving over a world-readable file makes it private") {
    TempDir dir;
    const auto path = dir.file("server.key");
    writeBytes(path, 100);
    REQUIRE(::chmod(path.c_str(), 0644) == 0);

    const Key key = Key::generate();
    REQUIRE(key.save(path).has_value());
    CHECK(fileMode(path) == 0600);
    CHECK(std::filesystem::file_size(path) == Key::kSize);
    const auto loaded = Key::load(path);
    REQUIRE(loaded.has_value());
    CHECK(*loaded == key);
}

TEST_CASE("a key file of the wrong size is malformed") {
    TempDir dir;
    for (const std::size_t size : {std::size_t{0}, Key::kSize - 1, Key::kSize + 1, std::size_t{100000}}) {
        CAPTURE(size);
        const auto path = dir.file("wrong.key");
        writeBytes(path, size);
        const auto loaded = Key::load(path);
        REQUIRE_FALSE(loaded.has_value());
        CHECK(loaded.error() == Error::Malformed);
    }
}

TEST_CASE("a missing or unwritable key file is an io error") {
    TempDir dir;
    const auto missing = Key::load(dir.file("absent.key"));
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error() == Error::IoError);

    const auto saved = Key::generate().save(dir.file("no-such-dir/server.key"));
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error() == Error::IoError);
}

namespace {

/// Runs body in a child process with stderr captured; returns (terminated by SIGABRT, stderr).
std::pair<bool, std::string> runInChild(const std::function<void()>& body) {
    int pipeFds[2];
    REQUIRE(::pipe(pipeFds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // The test framework's own crash handler must not report the child's abort.
        std::signal(SIGABRT, SIG_DFL);
        ::dup2(pipeFds[1], STDERR_FILENO);
        ::close(pipeFds[0]);
        body();
        std::_Exit(0);
    }
    ::close(pipeFds[1]);
    std::string err;
    char buf[512];
    for (ssize_t n; (n = ::read(pipeFds[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<std::size_t>(n));
    ::close(pipeFds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, err};
}

}  // namespace

TEST_CASE("using the key of a failed load stops the program and names the error") {
    TempDir dir;
    const std::string missing = dir.file("no-such.key");
    auto [aborted, err] = runInChild([&] {
        const Key key = *Key::load(missing);  // the README's one-liner on a missing file
        std::fprintf(stderr, "still running with a key whose first byte is %u\n", key.data()[0]);
    });
    CHECK(aborted);
    CHECK(err.find("failed Result") != std::string::npos);
    CHECK(err.find(std::string(describe(Error::IoError))) != std::string::npos);
    CHECK(err.find("still running") == std::string::npos);
}

TEST_CASE("reading the error of a successful result stops the program") {
    auto [aborted, err] = runInChild([] {
        const Result<Key> ok = Key::generate();
        std::fprintf(stderr, "error %d\n", static_cast<int>(ok.error()));
    });
    CHECK(aborted);
    CHECK(err.find("error of a successful Result") != std::string::npos);
}
