"""What a test does when something it needs is not on this machine: on a developer's machine
it skips, saying what to install or start; under CI=true, where everything must be there, it
fails. One place, so every service, binary and browser check behaves the same."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(message: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
    pytest.skip(message)
