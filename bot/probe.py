"""`python -m bot.probe URL`: exit 0 when URL answers 200, else 1. The containers' health check
(deploy/compose.yml), which has no curl in a slim image; stdlib only, so it starts fast."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4


def answers(url: str, timeout: float = TIMEOUT_SECONDS) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own URL
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m bot.probe URL", file=sys.stderr)
        return 2
    return 0 if answers(argv[0]) else 1


if __name__ == "__main__":
    sys.exit(main())
