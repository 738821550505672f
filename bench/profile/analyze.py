#!/usr/bin/env python3
"""Summarise a bench/profile-replay.sh run: phases, per-thread CPU (from /proc) and JFR hot methods per thread.

    analyze.py DIR   (DIR holds start, end, phases.log, threads.txt, replay.jfr)
"""
import collections, json, subprocess, sys, os

d = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 8
jfr_tool = os.environ.get("JFR", "jfr")
start = float(open(f"{d}/start").read()); end = float(open(f"{d}/end").read())
print(f"whole process {end - start:.2f} s wall")
print("\nphases (s after exec of the launcher):")
prev = 0.0
for line in open(f"{d}/phases.log"):
    if line.startswith("phase "):
        _, name, t, thread = line.split(maxsplit=3)
        t = float(t) - start
        print(f"  {name:18s} {t:7.3f}  (+{t - prev:6.3f})  [{thread.strip()}]")
        prev = t
print(f"  {'exit':18s} {end - start:7.3f}  (+{end - start - prev:6.3f})")

print("\nCPU seconds per thread (/proc, last sample before exit; threads with >= 0.05 s):")
groups = collections.Counter()
for line in open(f"{d}/threads.txt"):
    name, secs = line.rsplit(maxsplit=1)
    secs = float(secs)
    if secs >= 0.05:
        print(f"  {name:28s} {secs:6.2f}")
    key = "TF/Eigen pool" if name.startswith(("tf_", "Eigen")) else \
        "GC" if name.startswith(("G1", "GC")) else "JIT" if name.startswith(("C1 ", "C2 ")) else name
    groups[key] += secs
print("  grouped:", ", ".join(f"{k} {v:.2f}" for k, v in groups.most_common()))

events = json.loads(subprocess.run([jfr_tool, "print", "--json", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample",
                                    f"{d}/replay.jfr"], capture_output=True, text=True, check=True).stdout)["recording"]["events"]
def frame(f):
    m = f["method"]
    return m["type"]["name"].split(".")[-1] + "." + m["name"]
by_thread = collections.defaultdict(collections.Counter)
by_thread_stack = collections.defaultdict(collections.Counter)
native = collections.defaultdict(collections.Counter)
totals = collections.Counter()
for e in events:
    v = e["values"]; th = v["sampledThread"]["javaName"] if v.get("sampledThread") else "?"
    frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
    if not frames:
        continue
    if e["type"] == "jdk.NativeMethodSample":
        native[th][frame(frames[0])] += 1
        continue
    totals[th] += 1
    by_thread[th][frame(frames[0])] += 1
    # first frame from io.flowpic (where in our code the time is spent, inclusive)
    own = next((frame(f) for f in frames if f["method"]["type"]["name"].startswith("io/flowpic") or
                f["method"]["type"]["name"].startswith("io.flowpic")), "(no io.flowpic frame)")
    by_thread_stack[th][own] += 1
print("\nJFR Java execution samples (2 ms) per thread; top frames (self) and innermost io.flowpic frame (inclusive):")
for th, n in totals.most_common():
    if n < 20:
        continue
    print(f"  {th}: {n} samples")
    for m, c in by_thread[th].most_common(top):
        print(f"    self {100 * c / n:5.1f}%  {m}")
    for m, c in by_thread_stack[th].most_common(top):
        print(f"    incl {100 * c / n:5.1f}%  {m}")
print("\nJFR native samples (thread in a native method, running or blocked) per thread, top:")
for th, c in sorted(native.items(), key=lambda kv: -sum(kv[1].values())):
    n = sum(c.values())
    if n >= 20:
        print(f"  {th}: {n}: " + ", ".join(f"{m} {100 * k / n:.0f}%" for m, k in c.most_common(3)))
