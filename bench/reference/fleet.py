#!/usr/bin/env python3
"""A quick fleet run and list timing against any ironic-inspector-compatible service and the
Ironic emulator (stdlib only; a stop-gap until the bench/ project has its own runner).

    fleet.py fleet INSPECTOR_URL IRONIC_URL --nodes 200 --concurrency 16 [--calls-url URL]
    fleet.py list  INSPECTOR_URL [--limit 1000] [--repeat 20]

fleet: enrols N nodes (one PXE port each, a BMC address) in the emulator, then per node, C at a
time: POST /v1/introspection/{uuid}; wait until the emulator shows the node powered on (as a
ramdisk would only boot then; polls the emulator, not the inspector); POST /v1/continue with an
IPA inventory; wait until GET status says finished. Prints nodes/s over the whole run, p50/p95/p99
of the start and continue calls, errors, and (with --calls-url) Ironic calls per node.
list: median, min and max time of GET /v1/introspection?limit=N over --repeat calls.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from flow import PROBE, inventory, enrol

_local = threading.local()


def request(base, method, path, body=None):
    """One call on this thread's keep-alive connection to base (http://127.0.0.1:port only)."""
    url = urllib.parse.urlsplit(base)
    if url.hostname != "127.0.0.1":
        raise SystemExit(f"refusing non-loopback URL {base}")
    connections = _local.__dict__.setdefault("connections", {})
    for attempt in range(2):
        connection = connections.get(base)
        if connection is None:
            connection = connections[base] = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        try:
            data = None if body is None else json.dumps(body)
            headers = {"Content-Type": "application/json"} if data is not None else {}
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read()
            return response.status, (json.loads(text) if text else None)
        except (http.client.HTTPException, ConnectionError):
            connection.close()
            connections.pop(base, None)
            if attempt:
                raise
    raise AssertionError("unreachable")


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def wait_until(check, timeout=300, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


def bmc_of(index):
    """A unique BMC address per node, as in a real fleet (lookup matches on MAC and BMC)."""
    return f"10.{1 + index // 65536}.{index // 256 % 256}.{index % 256}"


def introspect_one(inspector, ironic, uuid, mac, bmc, timings, errors):
    t0 = time.perf_counter()
    status, body = request(inspector, "POST", f"/v1/introspection/{uuid}")
    timings["start"].append(time.perf_counter() - t0)
    if status != 202:
        errors.append(("start", status, body))
        return
    if not wait_until(lambda: request(ironic, "GET", f"/v1/nodes/{uuid}?{PROBE}")[1]["power_state"] == "power on"):
        errors.append(("reboot", uuid, "never powered on"))
        return
    payload = inventory(mac, bmc)
    for attempt in range(20):
        # The agent retries 5xx and 409 (node locked) with a back-off.
        t0 = time.perf_counter()
        status, body = request(inspector, "POST", "/v1/continue", payload)
        timings["continue"].append(time.perf_counter() - t0)
        if status not in (409, 500, 502, 503):
            break
        time.sleep(min(0.1 * 2 ** attempt, 2))
    if status != 200:
        errors.append(("continue", status, body))
        return

    # Processing ends with the power-off; wait for it on the emulator so that polling does not
    # load the service under test, then confirm with the service's own status.
    if not wait_until(lambda: request(ironic, "GET", f"/v1/nodes/{uuid}?{PROBE}")[1]["power_state"] == "power off"):
        errors.append(("power-off", uuid, "never powered off"))
        return

    def finished():
        s = request(inspector, "GET", f"/v1/introspection/{uuid}")[1]
        return s.get("finished")

    if not wait_until(finished, interval=0.1):
        errors.append(("finish", uuid, "never finished"))
        return
    final = request(inspector, "GET", f"/v1/introspection/{uuid}")[1]
    if final.get("state") != "finished" or final.get("error"):
        errors.append(("finished-with-error", uuid, final))


def cpu_seconds(pid):
    """utime + stime of a local process (Linux /proc), or None."""
    if not pid:
        return None
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def fleet(args):
    inspector, ironic = args.inspector.rstrip("/"), args.ironic.rstrip("/")
    with ThreadPoolExecutor(args.concurrency) as pool:
        nodes = list(pool.map(lambda i: (*enrol(ironic, bmc_of(i)), bmc_of(i)), range(args.nodes)))
    if args.calls_url:
        request(ironic, "DELETE", urllib.parse.urlsplit(args.calls_url).path)
    timings = {"start": [], "continue": []}
    errors = []
    cpu0 = cpu_seconds(args.pid)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        futures = [pool.submit(introspect_one, inspector, ironic, u, m, b, timings, errors) for u, m, b in nodes]
        for f in futures:
            f.result()
    elapsed = time.perf_counter() - t0
    result = {
        "nodes": args.nodes,
        "concurrency": args.concurrency,
        "seconds": round(elapsed, 2),
        "nodes_per_second": round(args.nodes / elapsed, 2),
        "errors": len(errors),
    }
    if args.pid:
        result["service_cpu_seconds_per_node"] = round((cpu_seconds(args.pid) - cpu0) / args.nodes, 4)
        result["service_peak_rss_mib"] = peak_rss_mib(args.pid)
    for phase, values in timings.items():
        for p in (50, 95, 99):
            result[f"{phase}_p{p}_ms"] = round(percentile(values, p) * 1000, 1)
    if args.calls_url:
        _, calls = request(ironic, "GET", urllib.parse.urlsplit(args.calls_url).path)
        mine = [c for c in calls if PROBE not in c["path"]]
        result["ironic_calls_per_node"] = round(len(mine) / args.nodes, 2)
    print(json.dumps(result, indent=1))
    for e in errors[:10]:
        print("error:", e, file=sys.stderr)
    return 1 if errors else 0


def list_timing(args):
    inspector = args.inspector.rstrip("/")
    times = []
    count = None
    cpu0 = cpu_seconds(args.pid)
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        status, body = request(inspector, "GET", f"/v1/introspection?limit={args.limit}")
        times.append(time.perf_counter() - t0)
        assert status == 200, (status, body)
        count = len(body["introspection"])
    print(json.dumps({"limit": args.limit, "items": count, "repeat": args.repeat,
                      "median_ms": round(statistics.median(times) * 1000, 1),
                      "min_ms": round(min(times) * 1000, 1), "max_ms": round(max(times) * 1000, 1),
                      **({"service_cpu_ms_per_call": round((cpu_seconds(args.pid) - cpu0) / args.repeat * 1000, 1)}
                         if args.pid else {})}, indent=1))
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fleet")
    f.add_argument("inspector")
    f.add_argument("ironic")
    f.add_argument("--nodes", type=int, default=200)
    f.add_argument("--concurrency", type=int, default=16)
    f.add_argument("--calls-url")
    f.add_argument("--pid", type=int, help="the service's process, for CPU seconds and peak RSS")
    lst = sub.add_parser("list")
    lst.add_argument("inspector")
    lst.add_argument("--limit", type=int, default=1000)
    lst.add_argument("--repeat", type=int, default=20)
    lst.add_argument("--pid", type=int, help="the service's process, for CPU time per call")
    args = parser.parse_args()
    return fleet(args) if args.command == "fleet" else list_timing(args)


if __name__ == "__main__":
    sys.exit(main())
