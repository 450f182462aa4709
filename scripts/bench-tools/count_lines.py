#!/usr/bin/env python3
"""Counts the lines on standard input (a subscriber's messages, one per line) until N have come or
none came for IDLE seconds; prints the count and the wall-clock time (epoch seconds) of the last one.
Usage: mosquitto_sub ... | count_lines.py N IDLE"""
import os
import select
import sys
import time

want, idle = int(sys.argv[1]), float(sys.argv[2])
count, last = 0, time.time()
while count < want:
    ready, _, _ = select.select([0], [], [], idle)
    if not ready:
        break
    chunk = os.read(0, 1 << 16)
    if not chunk:
        break
    count += chunk.count(b"\n")
    last = time.time()
print(count, f"{last:.6f}")
