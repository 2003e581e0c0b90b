#!/usr/bin/env bash
# Start a Docker engine on a machine that only has the client, so CI can build and test the image.
#
# Why this exists: the CI and dev machines are plain Debian 12 VMs without systemd, so nothing starts
# dockerd for us. The daemon runs with --iptables=false --bridge=none because these VMs have no
# netfilter modules and no outbound network: every build therefore needs `--network host` and every
# `docker run` `--network none` (or host).
#
# Idempotent: if `docker info` already answers, it does nothing.
# Usage: docker/start-engine.sh            (as root)
# Env:   LOWRANK_DOCKERD_LOG   log file      (default /var/log/lowrank-dockerd.log)
#        LOWRANK_DOCKERD_WAIT  seconds to wait for the daemon (default 60)
set -euo pipefail

log_file="${LOWRANK_DOCKERD_LOG:-/var/log/lowrank-dockerd.log}"
wait_seconds="${LOWRANK_DOCKERD_WAIT:-60}"

die() { echo "start-engine: $*" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
    echo "start-engine: docker engine already running"
    exit 0
fi

# Only a Linux machine can run dockerd itself; elsewhere the engine is Docker Desktop's (or similar).
[ "$(uname -s)" = Linux ] || die "no Docker engine answers: start Docker Desktop and try again"
[ "$(id -u)" -eq 0 ] || die "must run as root to start dockerd (try: sudo $0)"

if ! command -v dockerd >/dev/null 2>&1; then
    echo "start-engine: dockerd missing, installing docker.io with apt" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
        || die "apt-get install docker.io failed"
fi
# The Debian package's client may be shadowed by a newer one on PATH; either talks to this daemon.
command -v docker >/dev/null 2>&1 || die "no docker client on PATH (apt-get install docker.io)"

# A stale pid file from a killed daemon makes dockerd refuse to start.
pid_file=/var/run/docker.pid
if [ -f "$pid_file" ] && ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    rm -f "$pid_file"
fi

mkdir -p "$(dirname "$log_file")"
if ! pgrep -x dockerd >/dev/null 2>&1; then
    # setsid + nohup: the daemon must outlive this script and the CI step's shell.
    setsid nohup dockerd --iptables=false --bridge=none >>"$log_file" 2>&1 </dev/null &
fi

for _ in $(seq "$wait_seconds"); do
    if docker info >/dev/null 2>&1; then
        echo "start-engine: docker engine up (log: $log_file)"
        exit 0
    fi
    sleep 1
done
die "dockerd did not answer within ${wait_seconds}s; last log lines: $(tail -n 3 "$log_file" | tr '\n' ' ')"
