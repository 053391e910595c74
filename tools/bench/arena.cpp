// tickwire-bench arena: the sample arena's server under N bots, measured by running the
// real programs (arena-server, arena-client) as children of this process on this machine.
// The server is pinned to one CPU and the bots to the others when there are two or more,
// so the server's figures are those of one core. Game figures come from the programs' own
// --json summaries; this file starts, watches, ends and reads them, and measures the
// server process from outside: its CPU time and memory (/proc, wait4).
//
// Method and figures: docs/BENCHMARKS.md, "Arena".

#include "arena.hpp"
#include "bench.hpp"

#include <temp_dir.hpp>
#include <tool_cli.hpp>

#include <tickwire/net/key.hpp>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tickwire::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// More bots than this in one arena-client and its single thread, not the server, becomes
// what limits the run.
constexpr unsigned kBotsPerClient = 250;
// Player ids of client i start at 1 + i * kIdsPerClient, so no two bots share an id.
constexpr std::uint64_t kIdsPerClient = 1000;
constexpr int kBotFps = 30;
// arena-server's default --tick-rate, which this benchmark keeps.
constexpr double kTickHz = 60;
// The server outlives the bots by this much, so it sees them leave and sums up afterwards.
constexpr double kServerExtraSeconds = 5;
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kListenTimeout = std::chrono::seconds(10);
// After the bots are done the server ends on its own within kServerExtraSeconds; this
// is how long to wait before telling it to (SIGTERM), and then before giving up on it.
constexpr auto kServerExitTimeout = std::chrono::seconds(15);
constexpr auto kTermTimeout = std::chrono::seconds(5);
// A client may take this long past its --seconds: it disconnects every bot and prints.
constexpr auto kClientExitSlack = std::chrono::seconds(30);
constexpr std::size_t kTailLines = 20;

struct ArenaOptions {
    unsigned bots = 64;
    double seconds = 20;
    std::string arenaDir;  // empty: ../samples/arena next to this executable
    bool keep = false;
    bool json = false;
};

volatile std::sig_atomic_t interrupted = 0;

/// While it lives, SIGINT and SIGTERM only set `interrupted`, so the run can end its
/// children before it exits; the previous dispositions come back afterwards.
class StopSignals {
public:
    StopSignals() {
        struct sigaction action {};
        action.sa_handler = [](int) { interrupted = 1; };
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &previousInt_);
        sigaction(SIGTERM, &action, &previousTerm_);
    }
    ~StopSignals() {
        sigaction(SIGINT, &previousInt_, nullptr);
        sigaction(SIGTERM, &previousTerm_, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    struct sigaction previousInt_ {};
    struct sigaction previousTerm_ {};
};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The last `lines` lines of a file, for an error message.
std::string tail(const std::string& path, std::size_t lines) {
    const std::string text = readFile(path);
    std::size_t start = text.size();
    std::size_t seen = 0;
    // A final newline does not start another line.
    if (start > 0 && text[start - 1] == '\n') --start;
    while (start > 0 && seen < lines) {
        --start;
        if (text[start] == '\n' && ++seen == lines) {
            ++start;
            break;
        }
    }
    return text.substr(start);
}

std::string describeStatus(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    }
    return "ended with wait status " + std::to_string(status);
}

/// User + system CPU time of a process, seconds, from /proc/PID/stat; none when it cannot
/// be read.
std::optional<double> procCpuSeconds(pid_t pid) {
    std::string line;
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    if (!std::getline(in, line)) return std::nullopt;
    // The command name, in parentheses, may hold spaces: fields are counted after it. The
    // next is field 3 (state); utime and stime are fields 14 and 15, in clock ticks.
    const std::size_t name = line.rfind(')');
    if (name == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(name + 1));
    std::string skipped;
    for (int field = 3; field <= 13; ++field) fields >> skipped;
    unsigned long long utime = 0, stime = 0;
    if (!(fields >> utime >> stime)) return std::nullopt;
    const long ticksPerSecond = sysconf(_SC_CLK_TCK);
    if (ticksPerSecond <= 0) return std::nullopt;
    return static_cast<double>(utime + stime) / static_cast<double>(ticksPerSecond);
}

/// A memory figure of a process from /proc/PID/status in KiB ("VmRSS": resident now);
/// none when it cannot be read, as once the process has exited.
std::optional<std::uint64_t> procStatusKib(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(field + ":", 0) != 0) continue;
        std::istringstream rest(line.substr(field.size() + 1));
        std::uint64_t kib = 0;
        if (rest >> kib) return kib;
        return std::nullopt;
    }
    return std::nullopt;
}

/// One program this run started, and where its output goes.
struct Process {
    std::string name;  // for messages: "arena-server", "arena-client 2"
    std::string outPath;
    std::string errPath;
    pid_t pid = -1;
    std::optional<int> status;  // wait status, once reaped
    Clock::time_point started;
    double seconds = 0;     // from start to exit, once reaped
    double cpuSeconds = 0;  // user + system, once reaped
    std::uint64_t peakRssKib = 0;  // the most it was resident at once, once reaped

    [[nodiscard]] bool running() {
        if (status) return false;
        int s = 0;
        rusage usage{};
        if (wait4(pid, &s, WNOHANG, &usage) != pid) return true;
        status = s;
        seconds = std::chrono::duration<double>(Clock::now() - started).count();
        cpuSeconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
        peakRssKib = static_cast<std::uint64_t>(usage.ru_maxrss);  // KiB on Linux
        return false;
    }
    [[nodiscard]] bool succeeded() const { return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0; }
    /// When it was reaped (once reaped).
    [[nodiscard]] Clock::time_point ended() const {
        return started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    }
    /// The failure, the file it went to and the last lines the process wrote there.
    [[nodiscard]] std::string report(const std::string& what) const {
        return name + " " + what + "; last lines of " + errPath + ":\n" + tail(errPath, kTailLines);
    }
};

/// Every child of one run. However the run ends (an error, SIGINT, an exception), none is
/// left behind: the destructor sends SIGTERM, waits a moment, then SIGKILLs and reaps.
class Children {
public:
    Children() = default;
    Children(const Children&) = delete;
    Children& operator=(const Children&) = delete;
    ~Children() {
        bool any = false;
        for (auto& p : processes_) {
            if (p.running()) {
                kill(p.pid, SIGTERM);
                any = true;
            }
        }
        const auto deadline = Clock::now() + std::chrono::seconds(2);
        while (any && Clock::now() < deadline) {
            any = false;
            for (auto& p : processes_) any = p.running() || any;
            if (any) std::this_thread::sleep_for(kPoll);
        }
        for (auto& p : processes_) {
            if (!p.running()) continue;
            kill(p.pid, SIGKILL);
            waitpid(p.pid, nullptr, 0);
        }
    }

    /// Starts `program` with `args`, stdin from /dev/null, stdout and stderr to
    /// `stem`.out and `stem`.err, pinned to `cpus` when given. IoError when the output
    /// files cannot be opened or the process cannot be forked.
    net::Result<Process*> start(const std::string& name, const std::string& stem, const std::string& program,
                                const std::vector<std::string>& args, const std::optional<cpu_set_t>& cpus) {
        Process process;
        process.name = name;
        process.outPath = stem + ".out";
        process.errPath = stem + ".err";
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(program.c_str()));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);

        const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        const int out = open(process.outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        const int err = open(process.errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        auto closeAll = [&] {
            for (int fd : {in, out, err}) {
                if (fd >= 0) close(fd);
            }
        };
        if (in < 0 || out < 0 || err < 0) {
            const std::string why = std::strerror(errno);
            closeAll();
            return net::fail(net::Error::IoError, "cannot open output files for " + process.name + ": " + why);
        }
        const pid_t parent = getpid();
        const pid_t pid = fork();
        if (pid < 0) {
            const std::string why = std::strerror(errno);
            closeAll();
            return net::fail(net::Error::IoError, "cannot start " + process.name + ": fork: " + why);
        }
        if (pid == 0) {
            // Only async-signal-safe calls between fork and exec.
            // Should this benchmark die without cleaning up, its children die with it.
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(127);
            dup2(in, STDIN_FILENO);
            dup2(out, STDOUT_FILENO);
            dup2(err, STDERR_FILENO);
            if (cpus && sched_setaffinity(0, sizeof(cpu_set_t), &*cpus) != 0) {
                constexpr char kMessage[] = "tickwire-bench: sched_setaffinity failed before exec\n";
                (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
                _exit(127);
            }
            execv(program.c_str(), argv.data());
            constexpr char kMessage[] = "tickwire-bench: exec failed\n";
            (void)!write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
            _exit(127);
        }
        closeAll();
        process.pid = pid;
        process.started = Clock::now();
        processes_.push_back(std::move(process));
        return &processes_.back();
    }

private:
    std::deque<Process> processes_;  // a deque: start() hands out pointers that stay valid
};

/// The port in arena-server's "listening on ADDR:PORT" line, once the whole line is in `log`
/// (stderr is written piece by piece: half a line may hold half a port); nullopt before.
std::optional<std::uint16_t> listeningPort(const std::string& log) {
    const std::string words = "listening on ";
    const auto at = log.find(words);
    if (at == std::string::npos) return std::nullopt;
    const auto end = log.find('\n', at);
    const auto colon = log.find(':', at + words.size());
    if (end == std::string::npos || colon == std::string::npos || colon > end) return std::nullopt;
    unsigned long port = 0;
    std::size_t digits = colon + 1;
    for (; digits < end && log[digits] >= '0' && log[digits] <= '9' && port <= 65535; ++digits)
        port = port * 10 + static_cast<unsigned long>(log[digits] - '0');
    if (digits == colon + 1 || port == 0 || port > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(port);
}

/// The CPUs this process may run on, in order.
std::vector<int> allowedCpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

cpu_set_t cpuSet(const std::vector<int>& cpus) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int cpu : cpus) CPU_SET(cpu, &set);
    return set;
}

std::string cpuList(const std::vector<int>& cpus) {
    std::string text;
    for (int cpu : cpus) {
        if (!text.empty()) text += ',';
        text += std::to_string(cpu);
    }
    return text;
}

/// The last non-empty line of a process's stdout as a JSON object holding a number at
/// every one of `keys`. ParseError, naming the file and what is wrong, otherwise.
net::Result<nlohmann::json> readSummary(const Process& p, std::initializer_list<const char*> keys) {
    const auto wrong = [&](const std::string& what) { return net::fail(net::Error::ParseError, p.report(what)); };
    const std::string text = readFile(p.outPath);
    const std::size_t end = text.find_last_not_of(" \r\n\t");
    if (end == std::string::npos) return wrong("printed no JSON summary to " + p.outPath);
    const std::size_t newline = text.rfind('\n', end);
    const std::size_t begin = newline == std::string::npos ? 0 : newline + 1;
    const std::string line = text.substr(begin, end + 1 - begin);
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return wrong("did not end " + p.outPath + " with a JSON object (last line: '" + line.substr(0, 200) + "')");
    }
    for (const char* key : keys) {
        if (!j.contains(key) || !j[key].is_number()) {
            return wrong("summary in " + p.outPath + " has no number '" + key + "'");
        }
    }
    return j;
}

/// The sum over clients of one figure, each weighted by another (1 when `weight` is null).
double sumOver(const std::vector<nlohmann::json>& clients, const char* key, const char* weight = nullptr) {
    double total = 0;
    for (const auto& c : clients) total += c[key].get<double>() * (weight ? c[weight].get<double>() : 1.0);
    return total;
}

int runArena(const ArenaOptions& o) {
    const MachineInfo machine = machineInfo();
    std::optional<tool::TempDir> dir;
    auto sayWhereOutputIs = [&] {
        std::cerr << "tickwire-bench arena: the key and every process's output are in " << dir->path() << '\n';
    };

    auto fail = [&](const std::string& why, std::optional<nlohmann::json> figures = std::nullopt) {
        std::cerr << "tickwire-bench arena: " << why << '\n';
        if (dir) {
            dir->keep();
            sayWhereOutputIs();
        }
        if (o.json) {
            nlohmann::json j = figures.value_or(nlohmann::json{{"benchmark", "arena"}});
            j["ok"] = false;
            j["error"] = why;
            std::cout << j.dump() << std::endl;
        }
        return 1;
    };

    std::error_code ec;
    fs::path arenaDir = o.arenaDir;
    if (arenaDir.empty()) {
        const fs::path self = fs::read_symlink("/proc/self/exe", ec);
        if (ec) return fail("cannot find this executable (/proc/self/exe): " + ec.message() + "; give --arena-dir");
        arenaDir = (self.parent_path() / ".." / "samples" / "arena").lexically_normal();
    }
    const std::string server = (arenaDir / "arena-server").string();
    const std::string client = (arenaDir / "arena-client").string();
    for (const auto& program : {server, client}) {
        if (!fs::is_regular_file(program, ec) || access(program.c_str(), X_OK) != 0) {
            return fail("no executable " + program +
                        " (build the sample arena: ninja samples/arena/arena-server samples/arena/arena-client; "
                        "or point --arena-dir at the directory holding both)");
        }
    }

    // The key and every program's output; left for reading after a failure or with --keep.
    auto made = tool::TempDir::create("tickwire-bench-arena");
    if (!made) return fail(made.detail());
    dir.emplace(std::move(*made));
    if (o.keep) dir->keep();
    const std::string keyFile = dir->file("server.key");
    if (!net::Key::generate().save(keyFile)) return fail("cannot write the server key " + keyFile);

    const unsigned clients = (o.bots + kBotsPerClient - 1) / kBotsPerClient;
    const double warmup = 2.0 + o.bots / 200.0;
    const double clientSeconds = o.seconds + warmup;
    const double serverSeconds = clientSeconds + kServerExtraSeconds;
    const auto text = [](double v) {
        std::ostringstream s;
        s << v;
        return s.str();
    };

    // One CPU for the server and the rest for the bots, so neither steals the other's time.
    const std::vector<int> cpus = allowedCpus();
    const bool pinned = cpus.size() >= 2;
    std::optional<cpu_set_t> serverCpuSet, botCpuSet;
    const std::vector<int> botCpuList(cpus.begin() + (pinned ? 1 : 0), cpus.end());
    if (pinned) {
        serverCpuSet = cpuSet({cpus.front()});
        botCpuSet = cpuSet(botCpuList);
    }

    StopSignals stopSignals;
    Children children;
    auto waitAMoment = [] { std::this_thread::sleep_for(kPoll); };

    // Port 0: the server binds a port of the system's choosing and names it, so no other
    // program can take it between a probe and the bind.
    const auto startedServer = children.start("arena-server", dir->file("server"), server,
                                              {"--port", "0", "--key", keyFile, "--max-players",
                                               std::to_string(o.bots), "--seconds", text(serverSeconds), "--json"},
                                              serverCpuSet);
    if (!startedServer) return fail(startedServer.detail());
    Process* serverProcess = *startedServer;
    std::optional<std::uint16_t> listening;
    const auto listenDeadline = Clock::now() + kListenTimeout;
    while (serverProcess->running() && Clock::now() < listenDeadline && interrupted == 0) {
        listening = listeningPort(readFile(serverProcess->errPath));
        if (listening) break;
        waitAMoment();
    }
    if (interrupted != 0) return fail("interrupted");
    if (!listening) listening = listeningPort(readFile(serverProcess->errPath));
    if (!listening) {
        return fail(serverProcess->report(serverProcess->running()
                                              ? "did not say which port it took within " +
                                                    std::to_string(kListenTimeout.count()) + " s"
                                              : describeStatus(*serverProcess->status) + " before listening"));
    }
    const std::uint16_t port = *listening;
    // The server's memory before anyone joins, and from the first bot on its CPU time:
    // read from outside, so the server measures nothing about itself. Its peak memory is
    // what wait4 reports when it is reaped.
    const std::optional<std::uint64_t> idleRssKib = procStatusKib(serverProcess->pid, "VmRSS");
    const std::optional<double> serverCpuAtBots = procCpuSeconds(serverProcess->pid);
    const auto botsStarted = Clock::now();

    std::vector<Process*> clientProcesses;
    for (unsigned i = 0; i < clients; ++i) {
        const unsigned bots = o.bots / clients + (i < o.bots % clients ? 1 : 0);
        const auto started = children.start(
            "arena-client " + std::to_string(i), dir->file("client-" + std::to_string(i)), client,
            {"--server", "127.0.0.1:" + std::to_string(port), "--key", keyFile, "--bots", std::to_string(bots),
             "--seconds", text(clientSeconds), "--first-id", std::to_string(1 + i * kIdsPerClient), "--fps",
             std::to_string(kBotFps), "--json"},
            botCpuSet);
        if (!started) return fail(started.detail());
        clientProcesses.push_back(*started);
    }
    const auto clientsStarted = Clock::now();

    if (!o.json) {
        std::cerr << "tickwire-bench arena: " << o.bots << " bots on UDP port " << port << ", "
                  << text(o.seconds) << " s after " << text(warmup) << " s to connect ...\n";
    }
    const auto clientDeadline = clientsStarted + std::chrono::duration_cast<Clock::duration>(
                                                     std::chrono::duration<double>(clientSeconds)) +
                                kClientExitSlack;
    for (bool anyRunning = true; anyRunning;) {
        if (interrupted != 0) return fail("interrupted");
        anyRunning = false;
        for (Process* p : clientProcesses) {
            if (p->running()) {
                anyRunning = true;
                continue;
            }
            // A client with a summary reports its own failures (bots that never joined);
            // one without has failed to run at all, and nothing is gained by waiting.
            if (!p->succeeded() && !readSummary(*p, {})) return fail(p->report(describeStatus(*p->status)));
        }
        if (anyRunning && !serverProcess->running()) {
            return fail(
                serverProcess->report(describeStatus(*serverProcess->status) + " while the bots were playing"));
        }
        if (anyRunning && Clock::now() > clientDeadline) {
            for (Process* p : clientProcesses) {
                if (!p->running()) continue;
                return fail(p->report("was still running " + std::to_string(kClientExitSlack.count()) +
                                      " s after its --seconds"));
            }
        }
        if (anyRunning) waitAMoment();
    }

    // The server ends by itself kServerExtraSeconds after the bots; if not, it is told to.
    const auto clientsEnded = Clock::now();
    bool terminated = false;
    while (serverProcess->running()) {
        if (interrupted != 0) return fail("interrupted");
        if (!terminated && Clock::now() > clientsEnded + kServerExitTimeout) {
            kill(serverProcess->pid, SIGTERM);
            terminated = true;
        }
        if (terminated && Clock::now() > clientsEnded + kServerExitTimeout + kTermTimeout) {
            return fail(serverProcess->report("did not exit after SIGTERM"));
        }
        waitAMoment();
    }
    if (!serverProcess->succeeded()) return fail(serverProcess->report(describeStatus(*serverProcess->status)));

    const auto s = readSummary(*serverProcess,
                               {"ticks", "dropped_ticks", "tick_ms_p50", "tick_ms_p99", "tick_ms_max", "players_peak",
                                "seconds_with_players", "udp_bytes_out", "udp_bytes_in", "bytes_per_s_per_client"});
    if (!s) return fail(s.detail());
    std::vector<nlohmann::json> c;
    for (Process* p : clientProcesses) {
        auto summary = readSummary(*p,
                                   {"bots", "connected", "disconnects", "never_joined", "hits", "kills",
                                    "interp_frames", "interp_stall_pct", "rtt_ms_mean", "kbps_in_per_bot",
                                    "kbps_out_per_bot"});
        if (!summary) return fail(summary.detail());
        c.push_back(std::move(*summary));
    }

    const auto connected = static_cast<unsigned>(sumOver(c, "connected"));
    const auto disconnects = static_cast<unsigned>(sumOver(c, "disconnects"));
    const double frames = sumOver(c, "interp_frames");
    const double stallPct = frames > 0 ? sumOver(c, "interp_stall_pct", "interp_frames") / frames : 0.0;
    const double perBot = connected > 0 ? connected : 1.0;
    const double rttMean = sumOver(c, "rtt_ms_mean", "connected") / perBot;
    const double playersPeak = (*s)["players_peak"].get<double>();
    // A bool beside a double rather than std::optional<double>: g++ 12 at -O3 warns that
    // the optional's value may be used uninitialized once nlohmann::json inlines it.
    const std::uint64_t peakRssKib = serverProcess->peakRssKib;
    const bool rssKnown = playersPeak > 0 && idleRssKib && peakRssKib > 0;
    const double rssPerClient =
        rssKnown ? (static_cast<double>(peakRssKib) - static_cast<double>(idleRssKib.value_or(0))) / playersPeak : 0.0;
    // From the first bot's start to the server's exit: its CPU time then (wait4) less its
    // CPU time at the start (/proc), over that wall time.
    const double serverWindow = std::chrono::duration<double>(serverProcess->ended() - botsStarted).count();
    const double serverCpuPct = serverCpuAtBots && serverWindow > 0
                                    ? (serverProcess->cpuSeconds - serverCpuAtBots.value_or(0)) / serverWindow * 100.0
                                    : 0.0;
    const double p99 = (*s)["tick_ms_p99"].get<double>();
    // Whether the bots kept up: when their CPUs are saturated, stalls, RTT and timeouts
    // are partly the bots' own doing, not the server's.
    double botCpuSeconds = 0, botSeconds = 0;
    for (const Process* p : clientProcesses) {
        botCpuSeconds += p->cpuSeconds;
        botSeconds = std::max(botSeconds, p->seconds);
    }
    const double botCpus = static_cast<double>(std::max<std::size_t>(botCpuList.size(), 1));
    const double botCpuPct = botSeconds > 0 ? botCpuSeconds / (botSeconds * botCpus) * 100.0 : 0.0;

    std::printf("tickwire-bench arena: %u bots in %u arena-client process(es) against one arena-server (%g Hz), "
                "%g s measured after %g s to connect\n",
                o.bots, clients, kTickHz, o.seconds, warmup);
    std::printf("machine: %u CPU(s), %s, load average at start %s\n", machine.cpus, machine.cpuModel.c_str(),
                machine.loadAverage.c_str());
    if (pinned) {
        std::printf("server pinned to CPU %d, bots to CPU(s) %s\n", cpus.front(), cpuList(botCpuList).c_str());
    } else {
        std::printf("not pinned (fewer than 2 CPUs): the server and the bots share the machine\n");
    }
    std::printf("   bots  connected  tick p50 ms  p99 ms  max ms  server CPU %%  bytes/s/client  RSS KiB/client"
                "  dropped ticks  bot stall %%  RTT ms\n");
    std::printf("  %5u  %9u  %11.2f  %6.2f  %6.2f  %12.1f  %14.0f  %14s  %13.0f  %11.2f  %6.1f\n", o.bots, connected,
                (*s)["tick_ms_p50"].get<double>(), p99, (*s)["tick_ms_max"].get<double>(),
                serverCpuPct, (*s)["bytes_per_s_per_client"].get<double>(),
                rssKnown ? text(std::round(rssPerClient * 10) / 10).c_str() : "n/a",
                (*s)["dropped_ticks"].get<double>(), stallPct, rttMean);
    std::printf("  a tick at %g Hz has %.2f ms: p99 uses %.0f %% of it (reported, not asserted)\n", kTickHz,
                1000.0 / kTickHz, p99 * kTickHz / 10.0);
    std::printf("  the bots used %.0f %% of their CPU(s)%s\n", botCpuPct,
                botCpuPct >= 90 ? ": saturated, so stalls, RTT and timeouts are partly the bots' own" : "");
    if (disconnects > 0) {
        std::printf("  %u of %u bots were disconnected during the run: later figures are of fewer players\n",
                    disconnects, connected);
    }

    nlohmann::json j;
    j["benchmark"] = "arena";
    j["ok"] = true;
    j["bots"] = o.bots;
    j["connected"] = connected;
    j["never_joined"] = static_cast<unsigned>(sumOver(c, "never_joined"));
    j["disconnects"] = disconnects;
    j["seconds"] = o.seconds;
    j["warmup_seconds"] = warmup;
    j["tick_hz"] = kTickHz;
    j["tick_ms_p50"] = (*s)["tick_ms_p50"];
    j["tick_ms_p99"] = p99;
    j["tick_ms_max"] = (*s)["tick_ms_max"];
    j["ticks"] = (*s)["ticks"];
    j["dropped_ticks"] = (*s)["dropped_ticks"];
    j["server_cpu_pct"] = serverCpuPct;
    j["bytes_per_s_per_client"] = (*s)["bytes_per_s_per_client"];
    j["rss_kib_per_client"] = rssKnown ? nlohmann::json(rssPerClient) : nlohmann::json(nullptr);
    j["rss_kib_idle"] = idleRssKib.value_or(0);
    j["rss_kib_peak"] = peakRssKib;
    j["players_peak"] = (*s)["players_peak"];
    j["seconds_with_players"] = (*s)["seconds_with_players"];
    j["udp_bytes_out"] = (*s)["udp_bytes_out"];
    j["udp_bytes_in"] = (*s)["udp_bytes_in"];
    j["bot_stall_pct"] = stallPct;
    j["bot_cpu_pct"] = botCpuPct;
    j["rtt_ms_mean"] = rttMean;
    j["kbps_in_per_bot"] = sumOver(c, "kbps_in_per_bot", "connected") / perBot;
    j["kbps_out_per_bot"] = sumOver(c, "kbps_out_per_bot", "connected") / perBot;
    j["hits"] = sumOver(c, "hits");
    j["kills"] = sumOver(c, "kills");
    j["pinned"] = pinned;
    j["config"] = {{"client_processes", clients}, {"bot_fps", kBotFps}, {"server_seconds", serverSeconds},
                   {"server_cpu", pinned ? nlohmann::json(cpus.front()) : nlohmann::json(nullptr)},
                   {"bot_cpus", botCpuList}};
    j["machine"] = {{"cpus", machine.cpus}, {"cpu_model", machine.cpuModel}, {"load_average", machine.loadAverage}};

    bool clientsOk = true;
    for (Process* p : clientProcesses) clientsOk = clientsOk && p->succeeded();
    if (connected < o.bots) {
        return fail(std::to_string(o.bots - connected) + " of " + std::to_string(o.bots) +
                        " bots never joined; the server's last lines (" + serverProcess->errPath + "):\n" +
                        tail(serverProcess->errPath, kTailLines),
                    j);
    }
    if (!clientsOk) {
        for (Process* p : clientProcesses) {
            if (!p->succeeded()) return fail(p->report(describeStatus(*p->status)), j);
        }
    }
    if (o.keep) sayWhereOutputIs();
    if (o.json) std::cout << j.dump() << std::endl;
    return 0;
}

}  // namespace

void addArenaCommand(CLI::App& app, int& exitCode) {
    auto options = std::make_shared<ArenaOptions>();
    auto* cmd = app.add_subcommand(
        "arena",
        "the sample arena's server under N bots on this machine: runs arena-server (pinned to one CPU) and "
        "arena-clients, and reports tick time, server CPU, bytes and memory per client, and what the bots saw");
    cmd->add_option("--bots", options->bots, "bots to play, in arena-client processes of up to 250")
        ->type_name("N")
        ->check(tickwire::cli::range(1u, 4000u))
        ->capture_default_str();
    cmd->add_option("--seconds", options->seconds,
                    "seconds to play once connected (the bots first get 2 s + 1 s per 200 bots to join)")
        ->type_name("S")
        ->check(tickwire::cli::range(1.0, 3600.0))
        ->capture_default_str();
    cmd->add_option("--arena-dir", options->arenaDir,
                    "directory holding arena-server and arena-client (default: ../samples/arena next to "
                    "this executable, as in a build tree)")
        ->type_name("DIR");
    cmd->add_flag("--keep", options->keep, "keep the temporary directory with the key and every process's output");
    cmd->add_flag("--json", options->json, "also print one JSON object with every figure as the last stdout line");
    cmd->callback([options, &exitCode] { exitCode = runArena(*options); });
}

}  // namespace tickwire::bench
