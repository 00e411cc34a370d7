#!/usr/bin/env bash
# One sitting of issue 11's comparison: each case run by PaxosActors' `paxos bench`, then
# PhxPaxos, then DotNext (seq, c8 and c64 only), alternating, for ROUNDS rounds. Every client
# runs in node 1 for all three (--client-node 1), as the peer harnesses do.
#   scripts/peer-sitting.sh PEERS_DIR [ROUNDS] [DURATION_S]
# PEERS_DIR: the peer harnesses (the shared peers/ folder), built first (see its README).
# Env: WARMUP (2, for all three), OUT (results file, default /tmp/peer-sitting.txt).
# Prints one line per run: who case ops_per_s p50_us p99_us cpu_us_per_op. CPU per operation
# is the user + system time of the three node processes: `paxos bench` measures it over its
# whole window; for the peers this script samples /proc/<pid>/stat over 6 s inside the window.
set -euo pipefail
PEERS=${1:?peer harness folder}; ROUNDS=${2:-2}; DURATION=${3:-10}
WARMUP=${WARMUP:-2}; export WARMUP
OUT=${OUT:-/tmp/peer-sitting.txt}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PAXOS="$ROOT/src/PaxosActors.Cli/bin/Release/net10.0/paxos.dll"
[ -f "$PAXOS" ] || dotnet build "$ROOT/src/PaxosActors.Cli" -c Release >/dev/null
TICK=$(getconf CLK_TCK)

# User + system CPU seconds of the processes whose command line matches $1.
cpu_of() {
  local total=0 pid
  for pid in $(pgrep -f "$1"); do
    # Fields 14 and 15 of /proc/pid/stat (after the command name in parentheses).
    total=$((total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# Runs a peer case ($1 = process pattern, rest = command) and samples its CPU over 6 s inside the window.
peer() {
  local pattern=$1; shift
  local result; result=$(mktemp)
  "$@" >"$result" &
  local runner=$!
  sleep $((WARMUP + 3))
  local a; a=$(cpu_of "$pattern")
  sleep 6
  local b; b=$(cpu_of "$pattern")
  wait "$runner" || true
  local line; line=$(grep '^case=' "$result" | tail -n 1); rm -f "$result"
  local ops; ops=$(sed -E 's/.*ops_per_s=([0-9.]+).*/\1/' <<<"$line")
  local cpu; cpu=$(awk -v a="$a" -v b="$b" -v t="$TICK" -v o="$ops" 'BEGIN { if (o > 0) printf "%.1f", (b - a) / t * 1e6 / (o * 6); else print "-" }')
  sed -E 's/case=([^ ]+) ops_per_s=([0-9.]+) p50_us=([0-9]+) p99_us=([0-9]+).*/\1 \2 \3 \4/' <<<"$line" | awk -v c="$cpu" '{ print $0, c }'
}

ours() {
  local name=$1; shift
  local json; json=$(mktemp)
  dotnet "$PAXOS" bench --client-node 1 --duration "$DURATION" --warmup "$WARMUP" --data /tmp/peer-sitting-data --json "$json" "$@" >/dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[2], round(r["opsPerSecond"],1), round(r["latencyMs"]["p50"]*1000), round(r["latencyMs"]["p99"]*1000), r["cpuMicrosPerCommand"])' "$json" "$name"
  rm -f "$json"
}

run() { local who=$1; shift; local line; line=$("$@"); echo "$who $line" | tee -a "$OUT"; }

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round $(date -u +%FT%TZ) warmup ${WARMUP}s duration ${DURATION}s" | tee -a "$OUT"
  run paxosactors ours seq --clients 1
  run phxpaxos peer phxbench "$PEERS/phxpaxos/run-case.sh" seq 1 1 prop "$DURATION"
  run dotnext peer DotNextBench "$PEERS/dotnext/run-case.sh" seq 1 "$DURATION"
  run paxosactors ours c8 --clients 8
  run phxpaxos peer phxbench "$PEERS/phxpaxos/run-case.sh" c8 1 8 prop "$DURATION"
  run dotnext peer DotNextBench "$PEERS/dotnext/run-case.sh" c8 8 "$DURATION"
  run paxosactors ours c64 --clients 64
  run phxpaxos peer phxbench "$PEERS/phxpaxos/run-case.sh" c64 1 64 prop "$DURATION"
  run dotnext peer DotNextBench "$PEERS/dotnext/run-case.sh" c64 64 "$DURATION"
  run paxosactors ours g8c64 --groups 8 --clients 64
  run phxpaxos peer phxbench "$PEERS/phxpaxos/run-case.sh" g8c64 8 64 prop "$DURATION"
  run paxosactors ours batch64 --clients 64 --batch
  run phxpaxos peer phxbench "$PEERS/phxpaxos/run-case.sh" batch64 1 64 batch "$DURATION" 64 2
done
