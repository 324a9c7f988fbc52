#!/usr/bin/env bash
# Crash drill: replicas sync while the server is killed with SIGKILL at random moments, again
# and again; at the end every replica syncs once more and the drill checks that every operation
# any replica recorded is on the server exactly once and that every replica converged.
#
#   scripts/crash-drill.sh [KILLS] [REPLICAS]      # default 30 kills, 3 monitor replicas
#
# Uses the debug build (`swift build` first). Everything runs on 127.0.0.1 in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
kills="${1:-30}"
replicas="${2:-3}"
bin="$PWD/.build/debug"
work="$(mktemp -d)"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

start_server() {
    local port_arg="${1:-0}"
    "$bin/syncserver" serve --data-dir data --port "$port_arg" --log-level error > server.log 2>&1 &
    server_pid=$!
    for _ in $(seq 1 200); do grep -q listening server.log 2>/dev/null && break; sleep 0.05; done
    port=$(grep -o 'http://127.0.0.1:[0-9]*' server.log | sed -n 1p | sed 's/.*://')
}

hq_token=$("$bin/syncserver" bootstrap --data-dir data --member hq1 | sed -n 1p)
start_server 0
url="http://127.0.0.1:$port"
"$bin/field" init --replica hq.r --member hq1 --name HQ --role hq --prefix HQ > /dev/null
"$bin/field" remote set --replica hq.r --server "$url" --token "$hq_token" > /dev/null
for i in $(seq 1 "$replicas"); do
    token=$("$bin/syncserver" token issue --data-dir data --member "m$i" --role monitor | sed -n 1p)
    "$bin/field" init --replica "m$i.r" --member "m$i" --name "Monitor $i" --role monitor --prefix "M$i" > /dev/null
    "$bin/field" remote set --replica "m$i.r" --server "$url" --token "$token" --retries 0 --timeout 5 > /dev/null
done

interrupted=0
for k in $(seq 1 "$kills"); do
    for i in $(seq 1 "$replicas"); do
        ref=$("$bin/field" case create --replica "m$i.r" --title "Drill $k" --body "Round $k" --area goods --cause process --branch busan --json \
              | sed -n 's/.*"ref" : "\(.*\)".*/\1/p')
        "$bin/field" case comment --replica "m$i.r" "$ref" "note $k" > /dev/null
        ("$bin/field" sync --replica "m$i.r" > /dev/null 2>&1 && echo ok >> outcomes || echo cut >> outcomes) &
    done
    sleep "0.0$((RANDOM % 9 + 1))"
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    wait  # the syncs: finished, or failed with "unreachable"
    start_server "$port"
    interrupted=$((interrupted + 1))
done

lost=0
for i in $(seq 1 "$replicas"); do
    "$bin/field" sync --replica "m$i.r" --json > "sync-$i.json"
    grep -q '"converged" : true' "sync-$i.json" || { echo "m$i did not converge"; lost=1; }
    grep -q '"waiting" : 0' "sync-$i.json" || { echo "m$i still has waiting operations"; lost=1; }
done
"$bin/field" sync --replica hq.r --json > sync-hq.json
grep -q '"converged" : true' sync-hq.json || { echo "hq did not converge"; lost=1; }
for i in $(seq 1 "$replicas"); do
    rid=$("$bin/field" whoami --replica "m$i.r" --json | grep -o '"replicaID" : "[^"]*"' | sed 's/.*: "\(.*\)"/\1/')
    mine=$("$bin/field" export --replica "m$i.r" | grep -c "\"id\":\"$rid:" || true)
    theirs=$("$bin/field" export --replica hq.r | grep -c "\"id\":\"$rid:" || true)
    echo "m$i: $mine operations recorded, $theirs on the server (via HQ)"
    [[ "$mine" == "$theirs" ]] || lost=1
done
cases=$("$bin/field" case list --replica hq.r --json | grep -c '"ref"' || true)
echo "server killed $interrupted times; $(grep -c cut outcomes || true) of $(wc -l < outcomes) syncs were cut by a kill"
echo "HQ holds $cases cases (expected $((kills * replicas)))"
[[ "$cases" == "$((kills * replicas))" ]] || lost=1
if ((lost)); then echo "DRILL FAILED"; exit 1; fi
echo "nothing lost, nothing doubled"
