"""Optional py-spy recordings of the server processes during the measured phase (`--profile`).

py-spy samples from outside, so the servers run unchanged; it is not a project dependency
(`.venv/bin/pip install py-spy` locally). Sampling costs some CPU: figures taken while
profiling read lower than a plain run. Only the thread holding the GIL is sampled (`--gil`):
threads waiting on the database (SQLite's busy wait sleeps in C) would otherwise read as work.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RATE = 100  # samples per second per process
# The web server's event loop waiting for work: py-spy cannot always tell it from running.
IDLE_LEAVES = {"serve (sanic/server/runners.py)"}


class ProfilerMissing(RuntimeError):
    pass


def py_spy() -> str:
    found = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not found:
        raise ProfilerMissing("--profile needs py-spy: .venv/bin/pip install py-spy "
                              "(local only; it is not a project dependency)")
    return found


@contextmanager
def recording(pids: dict[str, int], out_dir: Path, label: str) -> Iterator[dict[str, Path]]:
    """Record every process (and its workers) as collapsed stacks, one file per process."""
    spy = py_spy()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {name: out_dir / f"{label}-{name.replace(' ', '-')}.txt" for name in pids}
    spies = [subprocess.Popen([spy, "record", "--pid", str(pid), "--rate", str(RATE),
                               "--format", "raw", "--subprocesses", "--nonblocking", "--gil",
                               "--output", str(files[name])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for name, pid in pids.items()]
    try:
        yield files
    finally:
        for spy_process in spies:
            spy_process.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        for spy_process in spies:
            try:
                spy_process.wait(60)
            except subprocess.TimeoutExpired:
                spy_process.kill()


def _package(frame: str) -> str:
    """`validate (jsonschema/validators.py)` -> `jsonschema`: who owns the code."""
    match = re.search(r"\(([^)/]+)", frame)
    return match.group(1).removesuffix(".py") if match else "other"


def where_time_goes(path: Path, count: int = 8) -> dict[str, list[tuple[float, str]]]:
    """Busy self time (the frame on top of the stack) per package and per function, as shares.

    Self time by package names the culprit at once (a library re-validating a schema, the
    database driver), where inclusive time would mostly repeat the web server's own frames.
    """
    packages: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit() or not stack:
            continue
        leaf = re.sub(r":\d+\)$", ")", stack.split(";")[-1])
        if leaf in IDLE_LEAVES:
            continue
        packages[_package(leaf)] += int(samples)
        functions[leaf] += int(samples)
        total += int(samples)
    if not total:
        return {"packages": [], "functions": []}
    return {kind: [(round(100 * n / total, 1), name) for name, n in counter.most_common(count)]
            for kind, counter in (("packages", packages), ("functions", functions))}
