# shellcheck shell=bash
# Shared by the shell tests and the demo scripts: a scratch directory, child processes
# that never outlive the script, a failure that shows the logs, bounded waits, and the
# port a program says it took. Sourced, never run.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   lib_init NAME        # $work, $pids, the EXIT trap
#   fail_logs=(server.err client.err)
#   start_server arena "listening on " "$server_bin" --port 0 ...   # sets $server_pid, $port
#
# What a script may set after lib_init:
#   fail_prefix      what fail's message starts with ("FAIL: ")
#   fail_logs        files in $work (or glob patterns) whose end fail shows (none)
#   fail_lines       how many lines of each; 0 for the whole file (25)
#   cleanup_signals  sent in order to every child left at exit (KILL); put CONT before
#                    KILL where a test stops children with SIGSTOP
#   exit_commands    run at exit after the children are gone, before $work is removed

# lib_init NAME: a scratch directory in $work, removed at exit with every child in $pids.
lib_init() {
  work=$(mktemp -d -t "tickwire-$1.XXXXXX")
  pids=()
  fail_prefix="FAIL: "
  fail_logs=()
  fail_lines=25
  cleanup_signals=(KILL)
  exit_commands=()
  trap lib_cleanup EXIT
}

lib_cleanup() {
  local pid signal command
  for pid in "${pids[@]}"; do
    for signal in "${cleanup_signals[@]}"; do
      kill -"$signal" "$pid" 2>/dev/null || true
    done
    wait "$pid" 2>/dev/null || true
  done
  for command in "${exit_commands[@]}"; do
    eval "$command" || true
  done
  rm -rf "$work"
}

# fail MESSAGE...: says what failed, shows the end of each log in $fail_logs, exits 1.
fail() {
  echo "$fail_prefix$*" >&2
  local pattern path name
  for pattern in "${fail_logs[@]}"; do
    for path in "$work"/$pattern; do
      [ -s "$path" ] || continue
      name=${path#"$work"/}
      if [ "$fail_lines" -gt 0 ]; then tail -n "$fail_lines" "$path"; else cat "$path"; fi |
        sed "s|^|  $name: |" >&2
    done
  done
  exit 1
}

# require_programs NAME PROGRAM...: exits 1, naming the first PROGRAM not built, if any.
require_programs() {
  local name=$1 program
  shift
  for program in "$@"; do
    if [ ! -x "$program" ]; then
      echo "$name: $program is missing; build first (tools/dev.sh build)" >&2
      exit 1
    fi
  done
}

# spawn NAME COMMAND...: runs COMMAND in the background, its stdout in $work/NAME.out and
# its stderr in $work/NAME.err; sets $spawned_pid and adds it to $pids.
spawn() {
  local name=$1
  shift
  # Emptied here, before the fork: the child's own redirections happen after it, and a
  # caller reading the logs at once (a port, a ready line) must not see the previous
  # process's lines under the same name.
  : >"$work/$name.out"
  : >"$work/$name.err"
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  spawned_pid=$!
  pids+=("$spawned_pid")
}

# forget PID: takes PID out of $pids once the script has waited for it, so that the exit
# trap never signals a process that has since been given the same number.
forget() {
  local kept=() pid
  for pid in "${pids[@]}"; do
    [ "$pid" = "$1" ] || kept+=("$pid")
  done
  pids=("${kept[@]}")
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (status 0) or
# SECONDS have passed (status 1).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while :; do
    "$@" && return 0
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# has_line PATTERN FILE: FILE exists and has a line matching PATTERN (grep's basic regex).
has_line() { grep -q -- "$1" "$2" 2>/dev/null; }

# wait_for_line SECONDS PATTERN FILE: waits until FILE has a line matching PATTERN.
wait_for_line() { wait_until "$1" has_line "$2" "$3"; }

# port_in WORDS FILE...: prints the port of the first "WORDSADDR:PORT" in the files.
# Only whole lines count: a program writes its log piece by piece, and a port read from
# half a line would be cut short.
port_in() {
  local pattern="$1[0-9.]+:([0-9]+)" file line
  shift
  for file in "$@"; do
    [ -f "$file" ] || continue
    while IFS= read -r line; do
      if [[ $line =~ $pattern ]]; then
        echo "${BASH_REMATCH[1]}"
        return 0
      fi
    done <"$file"
  done
  return 1
}

# wait_for_port PID WORDS FILE...: waits up to 10 s for process PID to name the port it
# took ("listening on ADDR:PORT", "relaying ADDR:PORT": WORDS is what stands before the
# address) in one of the files, and prints it; status 1 if PID exits or time runs out.
wait_for_port() {
  local pid=$1 deadline=$((SECONDS + 10))
  shift
  while :; do
    port_in "$@" && return 0
    kill -0 "$pid" 2>/dev/null || { port_in "$@"; return; }
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# start_server NAME WORDS COMMAND...: spawns a server told to take port 0, waits for it to
# name the port it got (after WORDS, on its stderr or stdout) and sets $server_pid and $port;
# fails if it does not.
start_server() {
  local name=$1 words=$2
  shift 2
  spawn "$name" "$@"
  server_pid=$spawned_pid
  port=$(wait_for_port "$server_pid" "$words" "$work/$name.err" "$work/$name.out") ||
    fail "$name did not say which port it took ($*)"
  [ "$port" -ne 0 ] || fail "$name says it took port 0 ($*)"
}

# stop_process PID [SIGNAL [SECONDS]]: sends SIGNAL (TERM) and waits up to SECONDS (10) for
# PID to exit; returns its exit status, or 124 if it is still running.
stop_process() {
  local pid=$1 signal=${2:-TERM} deadline=$((SECONDS + ${3:-10})) status=0
  # Quiet: bash would report a child ended by a signal ("Killed") in the script's output.
  {
    kill -"$signal" "$pid" || true
    while kill -0 "$pid"; do
      [ $SECONDS -lt $deadline ] || return 124
      sleep 0.1
    done
    wait "$pid" || status=$?
  } 2>/dev/null
  forget "$pid"
  return "$status"
}

# start_prometheus SECONDS TARGET...: a Prometheus on a port of the system's choosing that
# scrapes every TARGET (HOST:PORT) each second, with its data in $work; sets $prom_port
# and $prom_pid once it answers /-/ready, or returns 1.
start_prometheus() {
  local seconds=$1 targets
  shift
  targets=$(printf "'%s'," "$@")
  cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: arena
    static_configs:
      - targets: [${targets%,}]
EOF
  spawn prometheus "${prometheus_bin:-prometheus}" --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/prometheus-data" --web.listen-address=127.0.0.1:0
  prom_pid=$spawned_pid
  prom_port=$(wait_for_port "$prom_pid" 'msg="Listening on" address=' "$work/prometheus.err") || return 1
  wait_until "$seconds" python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "http://127.0.0.1:$prom_port/-/ready" 2>/dev/null
}
