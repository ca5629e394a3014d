#!/usr/bin/env python3
"""Proves one full introspection through an inspector and the Ironic emulator, and lists the
Ironic calls the inspector made for it.

    flow.py INSPECTOR_URL IRONIC_URL [--calls-url URL]

IRONIC_URL is tools/IronicEmulator run on its own (it records every call), e.g.
    dotnet run --project tools/IronicEmulator -- --port 6385

Enrols a node (POST /v1/nodes, POST /v1/ports) in the emulator, starts introspection, waits for
the power/boot calls, posts an ironic-python-agent inventory to /v1/continue and waits until the
status says finished, and prints every Ironic call the inspector made, per phase, from the
emulator's call log (GET/DELETE IRONIC_URL/emulator/calls unless --calls-url names another).
Works against any ironic-inspector-compatible service; only talks to 127.0.0.1.
"""
import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.request


def call(method, url, body=None):
    if not url.startswith("http://127.0.0.1"):
        raise SystemExit(f"refusing non-loopback URL {url}")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, (json.loads(text) if text else None)


def random_mac():
    return "52:54:00:%02x:%02x:%02x" % tuple(random.randrange(256) for _ in range(3))


def nic(name, mac, ip):
    return {"name": name, "mac_address": mac, "ipv4_address": ip, "ipv6_address": None,
            "has_carrier": True, "lldp": None, "client_id": None}


def disk(name, gib, rotational, serial):
    return {"name": name, "model": "QEMU HARDDISK" if rotational else "QEMU SSD",
            "size": gib << 30, "rotational": rotational, "wwn": None, "serial": serial,
            "vendor": "QEMU", "wwn_with_extension": None, "wwn_vendor_extension": None,
            "hctl": "0:0:0:0", "by_path": None}


def inventory(pxe_mac, bmc="192.0.2.10"):
    """The same shape as tests/Inspector.Tests/Infrastructure/RamdiskPayloads.Ipa."""
    return {
        "inventory": {
            "interfaces": [nic("eth0", pxe_mac, "192.0.2.100"), nic("eth1", random_mac(), "192.0.2.101"),
                           nic("eth2", random_mac(), None), nic("lo", "00:00:00:00:00:00", "127.0.0.1")],
            "cpu": {"model_name": "QEMU Virtual CPU version 2.5+", "count": 4, "architecture": "x86_64",
                    "flags": ["fpu", "vme", "pse", "sse2", "vmx", "aes", "pdpe1gb"]},
            "memory": {"total": 8589934592, "physical_mb": 8192},
            "disks": [disk("/dev/sda", 100, True, "QM00001"), disk("/dev/sdb", 50, False, "QM00002")],
            "system_vendor": {"product_name": "RefServer 1000", "manufacturer": "RefVendor"},
            "boot": {"current_boot_mode": "bios", "pxe_interface": pxe_mac},
            "bmc_address": bmc,
            "bmc_v6address": "::/0",
        },
        "root_disk": disk("/dev/sda", 100, True, "QM00001"),
        "boot_interface": pxe_mac,
        "configuration": {"collectors": ["default", "logs"]},
    }


def enrol(ironic, bmc="192.0.2.10"):
    """Creates a node with one PXE port; returns (uuid, pxe_mac)."""
    status, node = call("POST", f"{ironic}/v1/nodes", {
        "name": f"bench-{random.randrange(1 << 40):010x}", "driver": "fake-hardware",
        "driver_info": {"ipmi_address": bmc}})
    assert status == 201, (status, node)
    mac = random_mac()
    status, port = call("POST", f"{ironic}/v1/ports", {"node_uuid": node["uuid"], "address": mac})
    assert status == 201, (status, port)
    return node["uuid"], mac


def wait_for(predicate, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


# Marks this script's own reads of the emulator, so they are not counted as the inspector's.
PROBE = "flow-probe=1"


def take_calls(calls_url):
    if not calls_url:
        return []
    _, log = call("GET", calls_url)
    if not log["recording"]:
        sys.exit(f"{calls_url}: this emulator does not record calls (the fleet emulator only counts them)")
    call("DELETE", calls_url)
    return [c for c in log["calls"] if PROBE not in c["path"]]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inspector")
    parser.add_argument("ironic")
    parser.add_argument("--calls-url")
    args = parser.parse_args()
    inspector, ironic = args.inspector.rstrip("/"), args.ironic.rstrip("/")
    args.calls_url = args.calls_url or f"{ironic}/emulator/calls"

    uuid, mac = enrol(ironic)
    take_calls(args.calls_url)
    phases = {}

    status, body = call("POST", f"{inspector}/v1/introspection/{uuid}")
    assert status == 202, (status, body)

    # "waiting" is written once the boot device and the reboot were sent.
    wait_for(lambda: call("GET", f"{inspector}/v1/introspection/{uuid}")[1].get("state") == "waiting",
             "state waiting")
    phases["start"] = take_calls(args.calls_url)
    _, node = call("GET", f"{ironic}/v1/nodes/{uuid}?{PROBE}")
    assert node["power_state"] == "power on", node

    status, body = call("POST", f"{inspector}/v1/continue", inventory(mac))
    assert status == 200, (status, body)

    def finished():
        _, s = call("GET", f"{inspector}/v1/introspection/{uuid}")
        if s.get("finished"):
            return s
        return None

    final = wait_for(finished, "introspection to finish")
    phases["continue"] = take_calls(args.calls_url)
    assert final["state"] == "finished" and final["error"] is None, final
    _, node = call("GET", f"{ironic}/v1/nodes/{uuid}?{PROBE}")
    assert node["power_state"] == "power off", node
    print(json.dumps({"uuid": uuid, "status": final, "ironic_node": node}, indent=1))
    if args.calls_url:
        total = 0
        for phase, calls in phases.items():
            print(f"--- {phase}: {len(calls)} Ironic calls")
            for c in calls:
                body = c["body"] if c["body"] is None or len(c["body"]) < 300 else c["body"][:300] + "..."
                print(f"{c['method']:6} {c['path']}  {body or ''}")
            total += len(calls)
        print(f"=== {total} Ironic calls for one processed node")
    return 0


if __name__ == "__main__":
    sys.exit(main())
