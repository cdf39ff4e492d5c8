"""`make bench`: simulated residents through a campaign, against our stack and stock `rasa init`.

    .venv/bin/python -m bench.conversations                      # 20 residents, 6 conversations
    .venv/bin/python -m bench.conversations --residents 5 --skip-stock --json var/bench/run.json

Ours runs first; the stock bot then gets exactly the turns each of our residents made, so both
bots answer the same number of messages from the same number of concurrent residents.
Exit status 1 when a bot failed to start or any turn failed: the figures are then not trusted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from bench import cpu, machine, profiling, report
from bench.databases import KINDS
from bench.load import PhaseResult, ScriptFactory, drive
from bench.residents import STOCK_MESSAGES, CampaignInfo, CampaignResident, SmallTalkResident
from bench.targets import Target, TargetError, our_stack, stock_bot
from bot.config import ROOT

DEFAULT_CAMPAIGN = "buses-2026"
DEFAULT_STOCK_TURNS = 10  # per conversation, when ours is skipped and no campaign says better


def resolve_campaign(name: str | None) -> Path | None:
    """A path, or a slug under campaigns/; None when no campaign exists yet."""
    if name:
        path = Path(name)
        for candidate in (path, ROOT / path, ROOT / "campaigns" / f"{name}.yml"):
            if candidate.is_file():
                return candidate.resolve()
        raise SystemExit(f"Error: no campaign file {name!r} (give a path or a slug in campaigns/)")
    default = ROOT / "campaigns" / f"{DEFAULT_CAMPAIGN}.yml"
    found = [default] if default.is_file() else sorted((ROOT / "campaigns").glob("*.yml"))
    return found[0].resolve() if found else None


def measure(target: Target, args: argparse.Namespace, factory: ScriptFactory,
            warmup: ScriptFactory) -> PhaseResult:
    """Warm-up conversations (not measured), then the measured phase with CPU accounting."""
    run = uuid.uuid4().hex[:8]
    if args.warmup:
        asyncio.run(drive(target.url, min(args.warmup, args.residents), 1, warmup,
                          f"warmup-{run}", args.time_limit, args.keep_alive))
    spying = (profiling.recording(target.pids, args.profile, target.name) if args.profile
              else nullcontext({}))
    with spying as profiles:
        before = cpu.snapshot(target.pids)
        print(f"Measuring {target.name}: {args.residents} residents ...", flush=True)
        result = asyncio.run(drive(target.url, args.residents, args.conversations, factory,
                                   f"bench-{run}", args.time_limit, args.keep_alive))
        result.cpu_seconds = cpu.difference(before, cpu.snapshot(target.pids))
    problem = target.check()
    if problem:
        raise TargetError(f"{target.name}: {problem}")
    for name, path in profiles.items():
        result.profiles[name] = str(path)
        found = profiling.where_time_goes(path)
        print(f"\nWhere {target.name}'s {name} spends its CPU (self time, py-spy; {path}):")
        print("  by package:  " + ", ".join(f"{name} {share}%" for share, name in found["packages"]))
        for share, frame in found["functions"]:
            print(f"  {share:5.1f}%  {frame}")
    return result


def run_ours(args: argparse.Namespace, campaign: CampaignInfo) -> PhaseResult:
    model = ROOT / args.model
    if not model.exists():
        raise TargetError(f"no trained model at {model}; `make train` trains it")
    published = {p.resolve() for p in (ROOT / "campaigns").glob("*.yml")} | {campaign.path}
    print(f"Starting our stack (Rasa server, action server, {args.database}) with "
          f"{campaign.slug} ...", flush=True)
    with our_stack(model, sorted(published), args.database) as target:
        def script(_resident: int, _number: int) -> CampaignResident:
            return CampaignResident(campaign)

        return measure(target, args, script, script)


def run_stock(args: argparse.Namespace, plan: dict[int, list[int]]) -> PhaseResult:
    from rasa import __version__ as rasa_version

    with stock_bot(rasa_version) as target:
        print(f"Stock `rasa init` bot is up (messages: {', '.join(STOCK_MESSAGES)}).", flush=True)

        def script(resident: int, number: int) -> SmallTalkResident | None:
            turns = plan.get(resident, [])
            return SmallTalkResident(turns[number]) if number < len(turns) else None

        def warmup(_resident: int, _number: int) -> SmallTalkResident:
            return SmallTalkResident(len(STOCK_MESSAGES))

        return measure(target, args, script, warmup)


def stock_plan(args: argparse.Namespace, ours: PhaseResult | None,
               campaign: CampaignInfo | None) -> dict[int, list[int]]:
    """The turns our residents made, conversation by conversation; an estimate without ours."""
    if ours is not None:
        return {resident: [t for t in turns if t] for resident, turns in ours.turns.items()}
    per = campaign.expected_turns() if campaign else DEFAULT_STOCK_TURNS
    return {resident: [per] * args.conversations for resident in range(args.residents)}


def figures(args: argparse.Namespace, campaign: CampaignInfo | None,
            phases: dict[str, PhaseResult]) -> dict[str, Any]:
    summaries = {name: phase.summary() for name, phase in phases.items()}
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine.describe(),
        "settings": {"residents": args.residents, "conversations": args.conversations,
                     "campaign": campaign.slug if campaign else None,
                     "warmup_conversations": args.warmup, "time_limit": args.time_limit,
                     "connections": "kept alive" if args.keep_alive else "one per message",
                     "profiled": bool(args.profile), "database": args.database},
        "phases": summaries,
    }
    if "ours" in summaries and "stock" in summaries:
        result["ratio"] = report.ratios(summaries["ours"], summaries["stock"])
    if "ours" in summaries:
        result["targets"] = report.targets(summaries["ours"])
    return result


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.conversations", description=__doc__.split("\n\n")[0],
        epilog="example: python -m bench.conversations --residents 20 --conversations 6 "
               "--campaign buses-2026 --json var/bench/latest.json")
    parser.add_argument("--residents", type=int, default=20, help="concurrent residents (20)")
    parser.add_argument("--conversations", type=int, default=6,
                        help="conversations per resident, back to back, fresh sender each (6)")
    parser.add_argument("--campaign", help="campaign slug in campaigns/ or a YAML path "
                                           f"(default {DEFAULT_CAMPAIGN}, else the first one)")
    parser.add_argument("--skip-stock", action="store_true", help="only measure our stack")
    parser.add_argument("--skip-ours", action="store_true", help="only measure the stock bot")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument("--warmup", type=int, default=5,
                        help="unmeasured warm-up conversations per bot (5)")
    parser.add_argument("--time-limit", type=float, default=120.0,
                        help="seconds per bot after which no new turn starts (120)")
    parser.add_argument("--model", default="models/engage.tar.gz", help="our trained model")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record the servers with py-spy into DIR (slows them a little)")
    parser.add_argument("--database", choices=KINDS, default="sqlite",
                        help="our stack's database: sqlite (what `make run` uses, the default) "
                             "or postgres (production; ENGAGE_TEST_POSTGRES_URL, else the "
                             "local server's `test`, makes a throwaway database)")
    parser.add_argument("--keep-alive", action="store_true",
                        help="reuse one connection per resident (default: one per message)")
    args = parser.parse_args(argv)
    if args.residents < 1 or args.conversations < 1 or args.time_limit <= 0 or args.warmup < 0:
        parser.error("--residents and --conversations must be at least 1, --time-limit positive")
    if args.skip_ours and args.skip_stock:
        parser.error("--skip-ours and --skip-stock together leave nothing to measure")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    path = resolve_campaign(args.campaign)
    campaign = CampaignInfo.load(path) if path else None
    if campaign is None and not args.skip_ours:
        print("Error: no campaign in campaigns/ yet; use --campaign FILE, or --skip-ours.",
              file=sys.stderr)
        return 1
    phases: dict[str, PhaseResult] = {}
    try:
        if args.profile:
            profiling.py_spy()  # before minutes of start-up, not after
        if not args.skip_ours:
            assert campaign is not None
            phases["ours"] = run_ours(args, campaign)
        if not args.skip_stock:
            phases["stock"] = run_stock(args, stock_plan(args, phases.get("ours"), campaign))
    except (TargetError, profiling.ProfilerMissing) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    result = figures(args, campaign, phases)
    print()
    print(report.table(result))
    if args.json:
        report.write_json(result, args.json)
        print(f"\nFigures written to {args.json}")
    return 1 if any(phase.errors for phase in phases.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
