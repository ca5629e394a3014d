#!/usr/bin/env bash
# Runs the reference service, Debian's ironic-inspector (11.1), standalone on loopback
# against an Ironic (normally tools/IronicEmulator), so a benchmark can measure it beside ours.
#
#   reference.sh start PORT IRONIC_URL WORKDIR   # writes WORKDIR/inspector.conf, migrates the
#                                                 # database, starts the service, returns once it
#                                                 # answers GET /; its PID is printed and left in
#                                                 # WORKDIR/pid (what bench/Inspector.Bench reads)
#   reference.sh stop WORKDIR                     # stops the service started in WORKDIR
#
# Environment (optional):
#   REF_INTROSPECTION_DELAY  seconds between two reboots (default 0; the service's own default,
#                            5, would serialise a fleet at one node per 5 s - our service is
#                            benchmarked with the same value)
#   REF_LOG_LEVEL            DEBUG to log debug lines (default: the service's default, INFO)
#   REF_START_TIMEOUT        seconds to wait for GET / (default 120; start-up takes 15-25 s on
#                            a loaded 2-core machine)
set -euo pipefail

usage() {
    echo "usage: $0 start PORT IRONIC_URL WORKDIR | stop WORKDIR" >&2
    exit 2
}

# Only loopback, ever: the benchmark must not send traffic anywhere else.
require_loopback_url() {
    case "$1" in
        http://127.0.0.1:* | http://127.0.0.1/* | http://127.0.0.1) ;;
        *)
            echo "IRONIC_URL must be http://127.0.0.1[:port]; got $1" >&2
            exit 2
            ;;
    esac
}

write_config() {
    local port=$1 ironic_url=$2 workdir=$3
    local debug=false
    [ "${REF_LOG_LEVEL:-INFO}" = DEBUG ] && debug=true
    cat >"$workdir/inspector.conf" <<EOF
[DEFAULT]
# One process: the API (eventlet wsgi) and the conductor (oslo.messaging fake transport)
# share one Python interpreter; standalone 11.1 cannot fork workers.
standalone = true
transport_url = fake://
host = reference-bench
auth_strategy = noauth
listen_address = 127.0.0.1
listen_port = $port
timeout = 3600
clean_up_period = 60
introspection_delay = ${REF_INTROSPECTION_DELAY:-0}
debug = $debug
use_stderr = false
log_file = $workdir/inspector.log
state_path = $workdir

[database]
# A file on the same disk as ours (our service's embedded default is a SQLite file too).
connection = sqlite:///$workdir/inspector.sqlite

[ironic]
auth_type = none
endpoint_override = $ironic_url
# ([ironic] max_retries / retry_interval are registered but unused in 11.1; boot-device and power
# calls are retried 5 times, 1 s apart, by the code itself.)

[pxe_filter]
driver = noop

[coordination]
# Standalone tries this once at start and falls back to "no other instances" (there is no
# memcached here); spelled out so even that attempt stays on 127.0.0.1.
backend_url = memcached://127.0.0.1:11211

[processing]
store_data = database

[oslo_policy]
# Don't read /etc/nova/policy.d (Debian's shipped default).
policy_dirs =
EOF
}

start() {
    [ $# -eq 3 ] || usage
    local port=$1 ironic_url=${2%/} workdir=$3
    require_loopback_url "$ironic_url"
    mkdir -p "$workdir"
    workdir=$(cd "$workdir" && pwd)
    if [ -f "$workdir/pid" ] && kill -0 "$(cat "$workdir/pid")" 2>/dev/null; then
        echo "already running in $workdir (pid $(cat "$workdir/pid"))" >&2
        exit 1
    fi
    mkdir -p "$workdir/conf.d"
    write_config "$port" "$ironic_url" "$workdir"
    # --config-dir points at an empty folder so nothing from /etc/ironic-inspector is read.
    local args=(--config-file "$workdir/inspector.conf" --config-dir "$workdir/conf.d")
    ironic-inspector-dbsync "${args[@]}" upgrade >"$workdir/dbsync.log" 2>&1 || {
        cat "$workdir/dbsync.log" >&2
        exit 1
    }
    setsid ironic-inspector "${args[@]}" >"$workdir/stdout.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$workdir/pid"
    local deadline=$((SECONDS + ${REF_START_TIMEOUT:-120}))
    until curl -fs -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "ironic-inspector exited; see $workdir/inspector.log and $workdir/stdout.log" >&2
            tail -20 "$workdir/inspector.log" "$workdir/stdout.log" >&2 || true
            exit 1
        fi
        if [ $SECONDS -ge $deadline ]; then
            echo "ironic-inspector did not answer on 127.0.0.1:$port" >&2
            kill "$pid" || true
            exit 1
        fi
        sleep 0.2
    done
    echo "$pid"
}

stop() {
    [ $# -eq 1 ] || usage
    local workdir=$1 pidfile=$1/pid
    [ -f "$pidfile" ] || {
        echo "no $pidfile" >&2
        exit 1
    }
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$pidfile"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) shift; stop "$@" ;;
    *) usage ;;
esac
