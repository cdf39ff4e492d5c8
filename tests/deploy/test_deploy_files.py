"""The production files (Dockerfile, deploy/compose.yml, deploy/haproxy.cfg) say what the code
can do: every process they start exists, every setting they pass is one the code reads, and
HAProxy accepts the configuration. No container runtime is reachable here, so the image itself
is not built in tests (docs/deploy.md says what was and was not run)."""

from __future__ import annotations

import re
import subprocess

import yaml
from needed import missing

from bot import settings
from bot.config import ROOT
from bot.haproxy import binary
from bot.process import PROCESSES

COMPOSE = ROOT / "deploy" / "compose.yml"
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
ENV_EXAMPLE = ROOT / "deploy" / "engage.env.example"
OURS = ("ENGAGE_", "TWILIO_", "TELEGRAM_")


def haproxy() -> str:
    return binary() or missing("haproxy is not installed (Debian package `haproxy`; "
                               "scripts/ensure-haproxy)")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def engage_services() -> dict[str, dict]:
    return {name: service for name, service in compose()["services"].items()
            if service.get("image") == "engage:latest"}


def test_haproxy_accepts_the_configuration() -> None:
    result = subprocess.run([haproxy(), "-c", "-f", str(HAPROXY_CFG)], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_engage_service_runs_a_process_the_image_has() -> None:
    services = engage_services()
    commands = {name: service["command"] for name, service in services.items()}
    assert {command[0] for command in commands.values()} == set(PROCESSES), commands
    assert all(len(command) == 1 for command in commands.values()), commands


def test_every_replicated_process_waits_for_the_one_migration() -> None:
    for name, service in engage_services().items():
        if name == "migrate":
            assert service["restart"] == "no"
            continue
        assert service["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"}, name


def test_every_long_running_process_has_a_readiness_check_on_its_own_port() -> None:
    ports = {"rasa": settings.value("ENGAGE_RASA_PORT", {}),
             "actions": settings.value("ENGAGE_ACTION_PORT", {}),
             "worker": settings.value("ENGAGE_WORKER_PORT", {}),
             "console": settings.value("ENGAGE_CONSOLE_PORT", {})}
    services = engage_services()
    for name, port in ports.items():
        test = services[name]["healthcheck"]["test"]
        assert test == ["CMD", "python", "-m", "bot.probe", f"http://127.0.0.1:{port}/ready"], name


def test_every_setting_the_files_pass_is_one_the_code_reads() -> None:
    passed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    for service in engage_services().values():
        passed |= set(service.get("environment", {}))
    ours = {name for name in passed if name.startswith(OURS)}
    assert ours, "the files pass no settings at all"
    assert ours <= set(settings.BY_NAME), sorted(ours - set(settings.BY_NAME))


def test_the_scaled_out_settings_are_all_given() -> None:
    text = ENV_EXAMPLE.read_text()
    for name in ("ENGAGE_DATABASE_URL=postgresql://", "ENGAGE_LOCK_STORE_URL=redis://",
                 "ENGAGE_QUEUE_URL=redis://", "ENGAGE_SECRET_KEY=", "ENGAGE_RASA_TOKEN=",
                 "ENGAGE_ACTION_TOKEN="):
        assert re.search(f"^{re.escape(name)}", text, re.MULTILINE), name


def test_the_load_balancer_serves_the_rasa_port_the_code_uses() -> None:
    text = HAPROXY_CFG.read_text()
    assert f"rasa:{settings.value('ENGAGE_RASA_PORT', {})} check" in text
    assert f"console:{settings.value('ENGAGE_CONSOLE_PORT', {})} check" in text
    assert "option httpchk GET /ready" in text


def test_the_image_runs_the_process_chooser_and_never_as_root() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["python", "-m", "bot.process"]' in text
    assert re.search(r"^USER engage$", text, re.MULTILINE)
    assert "pip check" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    for secret_file in ("deploy/engage.env", "var", ".git"):
        assert secret_file in ignored
