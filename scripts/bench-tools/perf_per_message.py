#!/usr/bin/env python3
"""Per-message costs from a `perf record -g` of the hub during a `scripts/bench` load.

Reads the text of `perf script -F comm,tid,time,ip,sym` (record with `-k CLOCK_REALTIME`, so that
sample times are wall-clock seconds and line up with the bench's output) and, for each window
given as LABEL=START:END:MESSAGES (Unix seconds, and the messages delivered in it), prints the
nanoseconds per message the event-loop threads spent in all, in each function named with
--inclusive (anywhere on the stack), and with two windows the functions whose own time differs
most between them.

  perf record -k CLOCK_REALTIME -F 2999 -g -p <hub pid> -o perf.data
  perf script -F comm,tid,time,ip,sym -i perf.data > perf.txt
  perf_per_message.py perf.txt enforced=T0:T1:N plain=T2:T3:M --inclusive TelemetryRulesC7inspect
"""
import argparse
import collections
import re

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("script", help="the output of perf script -F comm,tid,time,ip,sym")
parser.add_argument("windows", nargs="+", help="LABEL=START:END:MESSAGES")
parser.add_argument("--frequency", type=float, default=2999, help="perf record's -F (samples a second)")
parser.add_argument("--threads", default="NIO-ELT", help="the threads counted: their name's start")
parser.add_argument("--inclusive", nargs="*", default=[], help="substrings of function names")
parser.add_argument("--top", type=int, default=25, help="rows of the own-time difference")
args = parser.parse_args()

windows = []
for spec in args.windows:
    label, _, rest = spec.partition("=")
    start, end, messages = rest.split(":")
    windows.append((label, float(start), float(end), float(messages)))

total = collections.Counter()
inclusive = {label: collections.Counter() for label, *_ in windows}
own = {label: collections.Counter() for label, *_ in windows}
header = re.compile(r"^\s*(\S.*?)\s+(\d+)\s+([\d.]+):")


def count(thread, time, frames):
    if not thread or not thread.startswith(args.threads) or not frames:
        return
    for label, start, end, _ in windows:
        if start <= time <= end:
            total[label] += 1
            own[label][frames[0]] += 1
            for name in args.inclusive:
                if any(name in frame for frame in frames):
                    inclusive[label][name] += 1


thread, time, frames = None, 0.0, []
with open(args.script, errors="replace") as text:
    for line in text:
        if not line.strip():
            count(thread, time, frames)
            thread, frames = None, []
            continue
        if thread is None:
            match = header.match(line)
            if match:
                thread, time = match.group(1), float(match.group(3))
            continue
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            frames.append(parts[1])
    count(thread, time, frames)

per_sample = 1e9 / args.frequency


def ns(label, samples):
    messages = next(w[3] for w in windows if w[0] == label)
    return samples * per_sample / messages


labels = [w[0] for w in windows]
print(f"{'ns per message':<28}  " + "  ".join(f"{label:>10}" for label in labels))
print(f"{'all':<28}  " + "  ".join(f"{ns(label, total[label]):10.1f}" for label in labels))
for name in args.inclusive:
    print(f"{name[:28]:<28}  " + "  ".join(f"{ns(label, inclusive[label][name]):10.1f}" for label in labels))
if len(labels) >= 2:
    a, b = labels[0], labels[1]
    rows = [(ns(a, own[a][f]) - ns(b, own[b][f]), f) for f in set(own[a]) | set(own[b])]
    rows.sort(reverse=True)
    print(f"\nown time, {a} minus {b} (ns per message):")
    for difference, frame in rows[: args.top]:
        print(f"  {difference:+7.1f}  {frame[:110]}")
