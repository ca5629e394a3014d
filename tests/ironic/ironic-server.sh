#!/usr/bin/env bash
# Run a REAL OpenStack Ironic (Debian `ironic-api` + `ironic-conductor`,
# Ironic 21.4) on loopback for Inspector's integration tests and CI.
#
#   ironic-server.sh start DIR PORT [INSPECTOR_URL]
#   ironic-server.sh stop  DIR
#
# `start` wipes DIR, writes DIR/ironic.conf, creates a fresh sqlite database,
# launches `/usr/bin/ironic` (API + conductor in ONE process) in the
# background and returns once http://127.0.0.1:PORT/ answers.
# `stop` kills that process (and anything it spawned) and waits for it.
#
# Prerequisites: `apt-get install ironic-api ironic-conductor` (Debian 12).
# Works as root and without network: everything listens on / talks to
# 127.0.0.1 only, and the fake-hardware driver never contacts a BMC.
#
# See tests/ironic/NOTES.md for what this Ironic looks like on the wire.

set -euo pipefail

# Ironic itself runs on /usr/bin/python3 (its scripts' shebang, which is
# also what the packages guarantee to exist); use the same interpreter for
# our small HTTP helpers so a pyenv/venv python3 first in PATH is irrelevant.
PY=/usr/bin/python3
IRONIC_BIN=/usr/bin/ironic
DBSYNC_BIN=/usr/bin/ironic-dbsync
START_TIMEOUT=90   # seconds to wait for GET / to answer
STOP_TIMEOUT=30    # seconds to wait after SIGTERM before SIGKILL

usage() {
    echo "usage: $0 start DIR PORT [INSPECTOR_URL] | stop DIR" >&2
    exit 2
}

die() {
    echo "ironic-server.sh: $*" >&2
    exit 1
}

# Everything we run must talk to loopback directly; an inherited HTTP proxy
# would hijack Ironic's calls to the inspector (python-requests honours
# http_proxy) and our readiness probe.
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# Absolute path without requiring the directory to exist yet.
abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$PWD" "$1" ;;
    esac
}

# Refuse obviously dangerous DIR values: `start` does `rm -rf DIR`.
check_dir_safe() {
    local d="$1"
    case "$d" in
        ""|/|/bin|/boot|/dev|/etc|/home|/lib|/lib64|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/var|/var/tmp|/work)
            die "refusing to use '$d' as the state directory" ;;
    esac
}

# Print the pid recorded in DIR/ironic.pid if that process is alive AND is
# really the Ironic we started for this DIR (pids get reused; never kill a
# stranger).
running_pid() {
    local dir="$1" pid cmdline
    [ -f "$dir/ironic.pid" ] || return 1
    pid=$(cat "$dir/ironic.pid" 2>/dev/null) || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    case "$cmdline" in
        *"$dir/ironic.conf"*) printf '%s\n' "$pid" ;;
        *) return 1 ;;
    esac
}

# True if something already accepts TCP connections on 127.0.0.1:PORT.
# Checked before launching: otherwise the readiness probe could be answered
# by a foreign server while our Ironic dies with "Address already in use".
port_in_use() {
    "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
sys.exit(0)
EOF
}

# True once GET http://127.0.0.1:PORT/ returns HTTP 200 (the version document).
api_answers() {
    "$PY" - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
EOF
}

show_logs() {
    local dir="$1"
    echo "---- tail of $dir/ironic.out ----" >&2
    tail -n 40 "$dir/ironic.out" >&2 2>/dev/null || true
    echo "---- tail of $dir/log/ironic.log ----" >&2
    tail -n 60 "$dir/log/ironic.log" >&2 2>/dev/null || true
}

do_stop() {
    local dir="$1" pid i
    if ! pid=$(running_pid "$dir"); then
        # Nothing (of ours) running: stop is a no-op so callers can always
        # call it from cleanup traps.
        rm -f "$dir/ironic.pid"
        return 0
    fi
    # The server was started with setsid, so its pid is also its process
    # group id: signal the whole group to take any children down too.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "ironic-server.sh: pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s, sending SIGKILL" >&2
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
    fi
    # Leftover group members (should not exist, but make sure).
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/ironic.pid"
}

write_config() {
    local dir="$1" port="$2" inspector_url="$3"
    cat >"$dir/ironic.conf" <<EOF
# Generated by tests/ironic/ironic-server.sh -- do not edit, it is rewritten
# on every start.  Ironic 21.4: single process (API + conductor), no RPC bus,
# no auth, sqlite, fake-hardware only, loopback only.

[DEFAULT]
# No keystone: every request is treated as an admin request.
auth_strategy = noauth
# /usr/bin/ironic runs API and conductor in one process; "none" makes the
# API call the in-process conductor directly (no message bus, no json-rpc).
rpc_transport = none
# Fixed conductor host name so node.conductor reads the same on every machine.
host = inspector-test-conductor
debug = true
# Log to a file inside DIR (stdout/stderr still go to DIR/ironic.out).
use_stderr = false
log_file = $dir/log/ironic.log
# Keep all state inside DIR (defaults point into /var/lib/ironic, /tmp).
state_path = $dir/state
tempdir = $dir/tmp
# Only the fake hardware type: power/boot/management calls succeed without
# touching any BMC (driver_info.ipmi_address is stored but never used).
enabled_hardware_types = fake-hardware
enabled_bios_interfaces = fake,no-bios
enabled_boot_interfaces = fake
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake
# "inspector" lets a node be inspected by OUR inspector (INSPECTOR_URL);
# "fake" stays the default so plain test nodes never call out.
enabled_inspect_interfaces = fake,inspector,no-inspect
default_inspect_interface = fake
enabled_management_interfaces = fake
enabled_network_interfaces = noop
enabled_power_interfaces = fake
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,no-vendor

[api]
host_ip = 127.0.0.1
port = $port
api_workers = 1

[conductor]
# Otherwise manage->available would run (fake) cleaning; keep state moves
# short and predictable.
automated_clean = false
# The power sync loop changes nothing with fake power, keep it quiet.
sync_power_state_interval = 60
heartbeat_interval = 10

[database]
# Schema created with "ironic-dbsync create_schema": Ironic's alembic
# migrations do not run on sqlite.
connection = sqlite:///$dir/ironic.sqlite

[dhcp]
dhcp_provider = none

[inspector]
# Used only by nodes with inspect_interface=inspector.
# auth_type=none + endpoint_override: keystoneauth/openstacksdk skip the
# catalog and do version discovery against this URL (GET /, once per Ironic
# process; the answer MUST be a {"versions": [...]} document or inspection
# fails with "Could not contact ironic-inspector for version discovery"),
# then call POST /v1/introspection/<uuid> and poll GET /v1/introspection/<uuid>.
auth_type = none
endpoint_override = $inspector_url
# Poll the inspector every 2 s instead of 60 s so tests finish quickly.
status_check_period = 2
power_off = true
# Do not let a hung inspector block a conductor green thread forever.
timeout = 30
# callback_endpoint_override is deliberately NOT set: the fake boot interface
# has no validate_inspection(), so Ironic never "manages boot" for inspection
# and never computes the ramdisk callback URL (the only place where loopback
# hosts are rejected).  The inspector manages boot and gets a plain
# POST /v1/introspection/<uuid>.  See NOTES.md.

[oslo_concurrency]
lock_path = $dir/locks

[oslo_policy]
# Must be an existing EMPTY directory: an empty value makes oslo.policy read
# every file next to ironic.conf as a policy file and node creation then
# fails with HTTP 500.  Built-in default policies apply.
policy_dirs = $dir/policy.d
EOF
}

do_start() {
    local dir="$1" port="$2" inspector_url="$3" pid i

    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] \
        || die "invalid port '$port'"
    [ -x "$IRONIC_BIN" ] || die "$IRONIC_BIN not found (apt-get install ironic-api ironic-conductor)"
    [ -x "$DBSYNC_BIN" ] || die "$DBSYNC_BIN not found (apt-get install ironic-common)"

    # Idempotent-ish: a previous server for the same DIR is stopped and the
    # directory wiped, so every start begins with an empty database.
    do_stop "$dir"
    rm -rf -- "$dir"
    mkdir -p "$dir"/{state,tmp,locks,policy.d,log}

    if port_in_use "$port"; then
        die "127.0.0.1:$port is already in use"
    fi

    write_config "$dir" "$port" "$inspector_url"

    # Fresh schema straight from the models (see [database] above).
    if ! "$DBSYNC_BIN" --config-file "$dir/ironic.conf" create_schema \
            >"$dir/dbsync.out" 2>&1; then
        echo "ironic-server.sh: ironic-dbsync create_schema failed:" >&2
        tail -n 40 "$dir/dbsync.out" >&2
        exit 1
    fi

    # setsid: own session/process group, so `stop` can signal the whole group
    # and the server does not get the caller's terminal signals (Ctrl-C in a
    # test runner).  The inner shell records ITS pid and then execs Ironic,
    # so DIR/ironic.pid is exactly Ironic's pid (= its process group id) no
    # matter whether setsid had to fork.  stdin from /dev/null so the server
    # never holds the caller's terminal or pipe.
    rm -f "$dir/ironic.pid"
    setsid bash -c 'echo $$ >"$1/ironic.pid"; exec "$2" --config-file "$1/ironic.conf"' \
        _ "$dir" "$IRONIC_BIN" </dev/null >"$dir/ironic.out" 2>&1 &

    for ((i = 0; i < 50; i++)); do
        [ -s "$dir/ironic.pid" ] && break
        sleep 0.1
    done
    pid=$(cat "$dir/ironic.pid" 2>/dev/null) || { show_logs "$dir"; die "ironic did not start"; }

    # Ready once the API answers GET / (the conductor is already up by then:
    # /usr/bin/ironic waits for the conductor before starting the API).
    local deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            show_logs "$dir"
            die "ironic (pid $pid) exited during start-up"
        fi
        if api_answers "$port"; then
            echo "ironic running: pid $pid, http://127.0.0.1:$port, inspector $inspector_url, dir $dir"
            return 0
        fi
        sleep 0.5
    done
    show_logs "$dir"
    do_stop "$dir"
    die "ironic did not answer on http://127.0.0.1:$port/ within ${START_TIMEOUT}s"
}

[ $# -ge 1 ] || usage
cmd="$1"
case "$cmd" in
    start) [ $# -ge 3 ] && [ $# -le 4 ] || usage ;;
    stop) [ $# -eq 2 ] || usage ;;
    *) usage ;;
esac
dir=$(abspath "$2")
dir="${dir%/}"
check_dir_safe "$dir"

if [ "$cmd" = start ]; then
    inspector_url="${4:-http://127.0.0.1:5050}"
    # Only the scheme is checked; Ironic itself contacts this URL only when a
    # node with inspect_interface=inspector is inspected.
    case "$inspector_url" in
        http://*|https://*) ;;
        *) die "INSPECTOR_URL must be an http(s) URL, got '$inspector_url'" ;;
    esac
    do_start "$dir" "$3" "$inspector_url"
else
    do_stop "$dir"
fi
