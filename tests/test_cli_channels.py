"""Channel commands staff run: register the Telegram webhook, replay the inbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
ENGAGE = str(Path(sys.executable).parent / "engage")


def engage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([ENGAGE, *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": str(Path(sys.executable).parent), **env})


def test_set_webhook_registers_the_public_url_with_the_secret():
    with FakeTelegram() as telegram:
        env = {**telegram.env(), "ENGAGE_PUBLIC_URL": "https://bot.example.org/",
               "TELEGRAM_WEBHOOK_SECRET": "s3cret-for-tests"}
        result = engage(env, "telegram", "set-webhook")
        assert result.returncode == 0, result.stderr
        assert "registered: https://bot.example.org/webhooks/telegram/webhook" in result.stdout
        [call] = telegram.calls("setWebhook")
        assert call.params["url"] == "https://bot.example.org/webhooks/telegram/webhook"
        assert call.params["secret_token"] == "s3cret-for-tests"
        assert "s3cret-for-tests" not in result.stdout + result.stderr
        assert [c["command"] for c in telegram.commands] == ["help", "stop"]


def test_set_webhook_without_settings_says_what_is_missing():
    result = engage({}, "telegram", "set-webhook")
    assert result.returncode == 1
    assert "ENGAGE_PUBLIC_URL, TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET" in result.stderr


def test_set_webhook_reports_telegrams_refusal():
    with FakeTelegram() as telegram:
        telegram.fail_next(403, description="Forbidden: bad token")
        env = {**telegram.env(), "ENGAGE_PUBLIC_URL": "https://bot.example.org",
               "TELEGRAM_WEBHOOK_SECRET": "s3cret-for-tests"}
        result = engage(env, "telegram", "set-webhook")
    assert result.returncode == 1 and "Telegram refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_inbox_replay_without_a_running_bot_is_a_clear_error(tmp_path):
    result = engage({"ENGAGE_SECRET_KEY": "k" * 20}, "inbox", "replay", "--url",
                    "http://127.0.0.1:9")
    assert result.returncode == 1 and "Is `make run` running?" in result.stderr
