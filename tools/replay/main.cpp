// tickwire-replay: records, checks, prints, plays back and draws replays of the sample
// arena (file format: docs/REPLAY_FORMAT.md).
//
//   arena-server --port 40000 --key server.key --record match.twr
//   tickwire-replay capture --server 127.0.0.1:40000 --key server.key --out seen.twr --seconds 60
//   tickwire-replay info match.twr
//   tickwire-replay verify match.twr
//   tickwire-replay dump match.twr --from 600 --to 660 --json
//   tickwire-replay render match.twr --out match.png      (or match.svg)
//   tickwire-replay play match.twr --port 40001 --key server.key --speed 2
//
// The command line is here; each subcommand is in its own file (capture.cpp, info.cpp, ...),
// and replay_tool.hpp declares them and what they share.
//
// Every file is untrusted: a damaged one is read up to its first bad chunk, and anything
// that is not an arena replay of this format version is refused with a sentence saying why.
// Exit codes are every tickwire program's (tools/common/tool_cli.hpp), read as cmp(1) does: 0
// done, 1 the file is damaged where it mattered (or a capture or playback failed), 2 the input
// cannot be used at all.

#include "replay_tool.hpp"

#include "view/replay_render.hpp"
#include "view/picture.hpp"

#include <CLI/CLI.hpp>

#include <exception>

using namespace tickwire;
using namespace tickwire::replay_tool;

int main(int argc, char** argv) {
    CLI::App app{"Records, checks, prints, plays back and draws replays of the sample arena\n"
                 "(arena-server --record FILE writes them too).",
                 "tickwire-replay"};
    app.require_subcommand(1);
    app.footer("Exit status: 0 done; 1 the file is damaged where it mattered, or the work\n"
               "failed (a capture, a playback, writing a picture); 2 the input cannot be used\n"
               "(not an arena replay, another format version or game, a bad option).\n"
               "Format: docs/REPLAY_FORMAT.md");

    CaptureOptions capture;
    auto* captureCommand = app.add_subcommand("capture", "Record a live server's match as a spectator sees it.");
    captureCommand->footer("Records every new snapshot the server sends (each tick once, in order) and\n"
                           "every game event, at the tick of the newest snapshot. Ends at --seconds, on\n"
                           "SIGINT/SIGTERM, or when the server goes away; the file is closed (indexed) in\n"
                           "every case. Exits 0 when anything was recorded.");
    captureCommand->add_option("--server", capture.server, "The server to watch")->required()->type_name("HOST:PORT");
    auto* tokenOption = captureCommand->add_option("--token", capture.tokenFile, "A connect token for that server")
                            ->type_name("TOKENFILE");
    captureCommand->add_option("--key", capture.keyFile,
                               "Development: mint a spectator token from the server key instead of --token")
        ->type_name("KEYFILE")->excludes(tokenOption);
    captureCommand->add_option("--out", capture.out, "Replay file to write (replaced if it exists)")
        ->required()->type_name("FILE");
    captureCommand->add_option("--seconds", capture.seconds, "Stop after this many seconds (0: until the server goes away)")
        ->type_name("S")->check(cli::range(0.0, 1e7))->capture_default_str();
    captureCommand->add_option("--tick-rate", capture.tickRate, "The server's --tick-rate")
        ->type_name("HZ")->check(cli::range<std::uint32_t>(10, 240))->capture_default_str();

    InfoOptions info;
    auto* infoCommand = app.add_subcommand("info", "Describe a replay: time, ticks, entities, bandwidth, damage.");
    infoCommand->footer("Bandwidth counts the bytes of encoded frames: the mean over the recording and\n"
                        "the peak over any one second. Exits 0 whenever the header is readable.");
    infoCommand->add_option("FILE", info.file, "Replay file")->required();
    infoCommand->add_flag("--json", info.json, "Print one JSON object instead");

    DumpOptions dump;
    auto* dumpCommand = app.add_subcommand("dump", "Print recorded ticks and events, one JSON object per line.");
    dumpCommand->footer("Frame lines: {\"tick\":T,\"entities\":[{\"id\":..,\"x\":..,\"y\":..,\"aim\":..,...}]}\n"
                        "  x and y in metres, aim in radians, then health, score, deaths, hits,\n"
                        "  respawn_ticks, cooldown_ticks, alive, firing.\n"
                        "Event lines: {\"tick\":T,\"event\":\"match\",...} or {\"tick\":T,\"event\":\"unknown\",\"bytes\":\"HEX\"}.");
    dumpCommand->add_option("FILE", dump.file, "Replay file")->required();
    dumpCommand->add_option("--from", dump.from, "First tick to print")->type_name("TICK");
    dumpCommand->add_option("--to", dump.to, "Last tick to print")->type_name("TICK");
    dumpCommand->add_flag("--json", dump.json, "Required: the output is JSON lines");

    std::string verifyFile;
    auto* verifyCommand = app.add_subcommand("verify", "Check every chunk and the index; name the first bad one.");
    verifyCommand->footer("Every chunk's framing and checksums are checked and every chunk is decoded.\n"
                          "Exits 0 when all are intact (a file never closed, with no index, included), 1\n"
                          "naming the first bad or incomplete chunk and the ticks intact before it, 2 when\n"
                          "the file is not an arena replay of this format version.");
    verifyCommand->add_option("FILE", verifyFile, "Replay file")->required();

    PlayCliOptions play;
    auto* playCommand = app.add_subcommand("play", "Serve a replay to spectators as if it were live.");
    playCommand->footer("Playback starts when the first spectator joins; players (not spectators) are\n"
                        "turned away. Tick numbers continue from the server's own, and the match events\n"
                        "are moved onto them. Ends at the end of the recording (never with --loop) or on\n"
                        "SIGINT/SIGTERM, telling every spectator the server is shutting down.");
    playCommand->add_option("FILE", play.file, "Replay file")->required();
    playCommand->add_option("--port", play.port, "UDP port to listen on (all interfaces); 0 takes a free one (printed on start)")
        ->required()->type_name("PORT")->check(cli::port(true));
    playCommand->add_option("--key", play.keyFile, "Server key file: spectators' tokens must be issued with it")
        ->required()->type_name("KEYFILE");
    playCommand->add_option("--speed", play.speed, "Playback speed, 0.1..16 (ticks per second = tick rate x speed)")
        ->type_name("X")->check(cli::range(0.1, 16.0))->capture_default_str();
    playCommand->add_option("--from", play.from, "Start at the first recorded tick at or after this one")->type_name("TICK");
    playCommand->add_flag("--loop", play.loop, "Start over at the end, until stopped");
    playCommand->add_option("--spectators", play.spectators, "Spectators at once")
        ->type_name("N")->check(cli::range<std::size_t>(1, 256))->capture_default_str();

    RenderOptions render;
    auto* renderCommand = app.add_subcommand("render", "Draw a replay as a PNG or SVG: paths, deaths, bandwidth, entities.");
    renderCommand->footer("The arena (axes in metres) with each player's path in its own colour and an X\n"
                          "where a player died, a key of player ids and their colours beside it; below,\n"
                          "encoded frames in kbit/s and entities over time. An --out ending in .svg\n"
                          "writes SVG, any other a PNG.");
    renderCommand->add_option("FILE", render.file, "Replay file")->required();
    renderCommand->add_option("--out", render.out, "Picture to write: SVG if it ends in .svg, else PNG")
        ->required()->type_name("FILE.png");
    renderCommand->add_option("--from", render.from, "First tick to draw")->type_name("TICK");
    renderCommand->add_option("--to", render.to, "Last tick to draw")->type_name("TICK");
    renderCommand->add_option("--width", render.width, "Picture width, pixels")
        ->type_name("PX")->check(cli::range<int>(arena::kRenderMinSide, arena::view::kMaxPictureSide))->capture_default_str();
    renderCommand->add_option("--height", render.height, "Picture height, pixels")
        ->type_name("PX")->check(cli::range<int>(arena::kRenderMinSide, arena::view::kMaxPictureSide))->capture_default_str();

    if (auto code = cli::parse(app, argc, argv)) return *code;
    try {
        if (*captureCommand) return runCapture(capture);
        if (*infoCommand) return runInfo(info);
        if (*dumpCommand) return runDump(dump);
        if (*verifyCommand) return runVerify(verifyFile);
        if (*playCommand) return runPlay(play);
        return runRender(render);
    } catch (const std::exception& e) {
        return say(kExitDamaged, e.what());
    }
}
