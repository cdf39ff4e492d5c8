"""CPU seconds used by each server process tree: says which process the time goes to.

Read from /proc before and after the measured phase, so it costs nothing while measuring.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
MACHINE = "machine"
OTHERS = "other processes"


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system seconds) of one process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()  # the command name may contain spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and all its live descendants."""
    parents: dict[int, int] = {}
    seconds: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            parents[int(entry.name)], seconds[int(entry.name)] = stat
    wanted, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in wanted]
        wanted.update(children)
        frontier.extend(children)
    return sum(seconds.get(pid, 0.0) for pid in wanted)


def own_cpu_seconds() -> float:
    """This process (the load generator), to show how much of the machine the client takes."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine (all CPUs), from the first line of /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / TICKS


def snapshot(pids: dict[str, int]) -> dict[str, float]:
    taken = {name: tree_cpu_seconds(pid) for name, pid in pids.items()}
    taken["load generator"] = own_cpu_seconds()
    taken[MACHINE] = machine_busy_seconds()
    return taken


def difference(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Per process, plus everything else on the machine: other jobs make the figures noisy."""
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    machine = used.pop(MACHINE)
    used[OTHERS] = max(0.0, machine - sum(used.values()))
    return {name: round(seconds, 3) for name, seconds in used.items()}
