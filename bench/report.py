"""The human-readable table and the JSON figures, built from the same dictionary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.cpu import OTHERS

TARGET_MESSAGES_PER_SECOND = 150.0
TARGET_P95_MS = 150.0
NOISY_SHARE = 0.1  # other processes using more than a tenth of one CPU


def ratios(ours: dict[str, Any], stock: dict[str, Any]) -> dict[str, float | None]:
    """ours / stock: above 1 is better for throughput, below 1 is better for latency."""
    def divide(a: float | None, b: float | None) -> float | None:
        return round(a / b, 2) if a is not None and b else None

    return {
        "messages_per_second": divide(ours["messages_per_second"], stock["messages_per_second"]),
        "p50_ms": divide(ours["latency_ms"]["p50"], stock["latency_ms"]["p50"]),
        "p95_ms": divide(ours["latency_ms"]["p95"], stock["latency_ms"]["p95"]),
    }


def targets(ours: dict[str, Any]) -> dict[str, Any]:
    rate, p95 = ours["messages_per_second"], ours["latency_ms"]["p95"]
    return {
        "messages_per_second": {"target": f">= {TARGET_MESSAGES_PER_SECOND:g}", "measured": rate,
                                "met": rate >= TARGET_MESSAGES_PER_SECOND},
        "p95_ms": {"target": f"< {TARGET_P95_MS:g}", "measured": p95,
                   "met": p95 is not None and p95 < TARGET_P95_MS},
    }


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _rows(phases: dict[str, dict[str, Any]]) -> list[tuple[str, list[object]]]:
    def each(get) -> list[object]:
        return [get(p) for p in phases.values()]

    rows: list[tuple[str, list[object]]] = [
        ("messages / s", each(lambda p: p["messages_per_second"])),
        ("latency p50 (ms)", each(lambda p: p["latency_ms"]["p50"])),
        ("latency p95 (ms)", each(lambda p: p["latency_ms"]["p95"])),
        ("latency p99 (ms)", each(lambda p: p["latency_ms"]["p99"])),
        ("latency max (ms)", each(lambda p: p["latency_ms"]["max"])),
        ("first message p95 (ms)", each(lambda p: p["latency_by_turn_ms"].get(1, {}).get("p95"))),
        ("turns", each(lambda p: p["turns"])),
        ("conversations (finished)",
         each(lambda p: f"{p['conversations']} ({p['conversations_finished']})")),
        ("errors", each(lambda p: p["errors"])),
        ("wall time (s)", each(lambda p: p["wall_seconds"])),
    ]
    rows.append(("machine CPU busy (%)", each(lambda p: p["machine_busy_percent"])))
    names = list(dict.fromkeys(name for p in phases.values() for name in p["cpu_ms_per_message"]))
    names.sort(key=lambda name: name == OTHERS)
    for name in names:
        rows.append((f"CPU ms / message: {name}",
                     each(lambda p, n=name: p["cpu_ms_per_message"].get(n))))
    return rows


def table(figures: dict[str, Any]) -> str:
    machine, settings, phases = figures["machine"], figures["settings"], figures["phases"]
    lines = [
        f"Machine: {machine['nproc']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_gib']} GiB, Python {machine['python']}, Rasa {machine['rasa']}",
        f"Load: {settings['residents']} concurrent residents, up to {settings['conversations']} "
        f"conversations each, campaign {settings['campaign'] or '-'}, "
        f"time limit {settings['time_limit']:g}s per bot, {settings['connections']}, "
        f"our database {settings.get('database', 'sqlite')}",
    ]
    if settings.get("profiled"):
        lines.append("Profiled with py-spy: the servers shared the CPUs with it, figures read low.")
    lines.append("")
    header = ["", *phases]
    if "ratio" in figures:
        header.append("ours / stock")
    body = []
    for label, values in _rows(phases):
        row = [label, *map(_cell, values)]
        if "ratio" in figures:
            key = {"messages / s": "messages_per_second", "latency p50 (ms)": "p50_ms",
                   "latency p95 (ms)": "p95_ms"}.get(label)
            row.append(f"{figures['ratio'][key]:.2f}x" if key and figures["ratio"][key] else "")
        body.append(row)
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    for row in [header, *body]:
        lines.append("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    for name, phase in phases.items():
        if phase["error_kinds"]:
            lines.append(f"{name} errors: " + ", ".join(
                f"{kind} x{count}" for kind, count in sorted(phase["error_kinds"].items())))
        others = phase["cpu_seconds"].get(OTHERS, 0.0)
        if phase["wall_seconds"] and others > NOISY_SHARE * phase["wall_seconds"]:
            lines.append(f"{name}: other processes used {others:.0f} CPU seconds during the "
                         f"{phase['wall_seconds']:.0f}s run: figures are noisy, run again on a "
                         "quiet machine")
        if phase["hit_time_limit"]:
            lines.append(f"{name}: stopped by the time limit before every conversation ended")
    if "targets" in figures:
        lines.append("")
        for key, target in figures["targets"].items():
            verdict = "met" if target["met"] else "MISSED"
            lines.append(f"Target (ours, {settings['residents']} residents): {key} "
                         f"{target['target']}: {_cell(target['measured'])} -> {verdict}")
    return "\n".join(lines)


def write_json(figures: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
