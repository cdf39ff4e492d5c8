"""Every process (Rasa, action server, worker, console) answers /health and /ready, and serves
Prometheus metrics behind ENGAGE_METRICS_TOKEN, over real HTTP on one stack."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from databases import fresh_postgres_database
from fakes.twilio_api import FakeTwilio
from scale_helpers import SECRET, Ledger, provider_env, sms, wait_for

from bot.campaigns.publishing import publish_files
from bot.stack import Stack, StackConfig, free_port
from bot.store.migrate import upgrade
from bot.worker import monitoring

pytestmark = [pytest.mark.rasa, pytest.mark.postgres]
TOKEN = "metrics-token-for-tests-only"


def get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sample(text: str, name: str, labels: str = "") -> float | None:
    """One sample's value in the Prometheus text, e.g. sample(t, "x_total", 'channel="twilio_sms"')."""
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


@pytest.fixture(scope="module")
def stack(rasa_model, postgres_url, tmp_path_factory):
    from bot.console.first_run import console_url  # noqa: F401 - the console is importable

    with fresh_postgres_database(postgres_url, "engage_health") as url, FakeTwilio() as twilio:
        publish_files([str(p) for p in sorted(
            (rasa_model.parents[1] / "campaigns").glob("*.yml"))], url)
        config = StackConfig(model=rasa_model, database_url=url, secret_key=SECRET,
                             rasa_port=free_port(), action_port=free_port(), worker=True,
                             console=True, console_port=free_port(),
                             log_dir=tmp_path_factory.mktemp("health") / "logs",
                             extra_env={**provider_env(twilio), "ENGAGE_METRICS_TOKEN": TOKEN})
        with Stack(config) as running:
            yield running


def bases(stack: Stack) -> dict[str, str]:
    config = stack.config
    return {"rasa": config.rasa_url, "actions": f"http://127.0.0.1:{config.action_port}",
            "worker": f"http://127.0.0.1:{config.worker_port}",
            "console": f"http://127.0.0.1:{config.console_port}"}


def test_every_process_is_alive_and_ready(stack):
    wait_for(lambda: get(bases(stack)["worker"] + "/health")[0] == 200, timeout=60)
    for name, base in bases(stack).items():
        assert get(base + "/health")[0] == 200, name
        status, body = get(base + "/ready")
        assert (status, json.loads(body)["status"]) == (200, "ready"), name


def test_metrics_want_the_token_and_count_messages_turns_and_backlog(stack):
    ledger = Ledger(stack.config.database_url)
    assert sms(stack.config.rasa_url, "+447700900501", "BUSES") == 200
    wait_for(lambda: ledger.settled(1))
    for name, base in bases(stack).items():
        assert get(base + "/metrics")[0] == 401, name
        assert get(base + "/metrics", "wrong")[0] == 401, name
        status, text = get(base + "/metrics", TOKEN)
        assert status == 200, name
        assert sample(text, "engage_database_up") == 1.0, name
        assert "# TYPE engage_outbox_backlog gauge" in text, name
        assert "# TYPE engage_launch_invitations gauge" in text, name
    _, rasa = get(stack.config.rasa_url + "/metrics", TOKEN)
    assert sample(rasa, "engage_messages_in_total", 'channel="twilio_sms"') == 1.0
    assert sample(rasa, "engage_turn_seconds_count", 'channel="twilio_sms"') == 1.0
    assert sample(rasa, "engage_messages_out_total", 'channel="twilio_sms"') >= 1.0
    assert sample(rasa, "engage_inbox_backlog", 'channel="twilio_sms",status="pending"') is None
    # A redelivery of the same provider message is not a new message.
    assert sms(stack.config.rasa_url, "+447700900502", "BUSES", sid="SM" + "d" * 32) == 200
    assert sms(stack.config.rasa_url, "+447700900502", "BUSES", sid="SM" + "d" * 32) == 200
    wait_for(lambda: ledger.settled(2))
    _, rasa = get(stack.config.rasa_url + "/metrics", TOKEN)
    assert sample(rasa, "engage_messages_in_total", 'channel="twilio_sms"') == 2.0


def test_a_process_is_alive_but_not_ready_until_the_schema_is_current(postgres_url):
    """Replicas never migrate: before `engage db upgrade` they must take no traffic."""
    with fresh_postgres_database(postgres_url, "engage_ready", migrate=False) as url:
        server = monitoring.serve(url, port=0)
        assert server is not None
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            assert get(base + "/health")[0] == 200
            status, body = get(base + "/ready")
            assert status == 503 and "engage db upgrade" in json.loads(body)["reason"]
            upgrade(url, "0001")
            status, body = get(base + "/ready")
            assert status == 503 and "behind" in json.loads(body)["reason"]
            upgrade(url)
            assert get(base + "/ready")[0] == 200
            assert get(base + "/nothing")[0] == 404
        finally:
            server.shutdown()
            server.server_close()
