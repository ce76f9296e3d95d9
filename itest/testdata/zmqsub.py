#!/usr/bin/env python3
"""Subscribe to every topic of the given ZMQ addresses with pyzmq (libzmq)
and print each message as one JSON line: topic, body in hex, the 4-byte
little-endian sequence number and the frame count. Exits after a bounded
time so that it cannot outlive a test that forgot it."""
import json
import sys
import time

import zmq

LIFETIME = 300  # seconds

ctx = zmq.Context()
sock = ctx.socket(zmq.SUB)
sock.setsockopt(zmq.SUBSCRIBE, b"")
sock.setsockopt(zmq.RCVTIMEO, 1000)
for addr in sys.argv[1:]:
    sock.connect(addr)
print(json.dumps({"ready": True}), flush=True)
deadline = time.time() + LIFETIME
while time.time() < deadline:
    try:
        parts = sock.recv_multipart()
    except zmq.Again:
        continue
    seq = int.from_bytes(parts[2], "little") if len(parts) == 3 and len(parts[2]) == 4 else -1
    print(json.dumps({"topic": parts[0].decode(errors="replace"), "body": parts[1].hex() if len(parts) > 1 else "",
                      "seq": seq, "frames": len(parts)}), flush=True)
