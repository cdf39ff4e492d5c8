"""Start (or nudge) a conversation through Rasa's HTTP API: `trigger_intent`.

Going through Rasa, not round it, puts the invitation in the resident's tracker, so their reply
lands in context. Rasa runs with `--enable-api --auth-token $ENGAGE_RASA_TOKEN`; the token goes
in the query string (Rasa's way), so the URL is never logged nor put in an error message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from bot import settings

DEFAULT_URL = "http://127.0.0.1:5005"
DEFAULT_TIMEOUT = 30.0


class RasaError(RuntimeError):
    """Rasa could not be reached or refused the trigger. The message names no token or URL."""


class RasaRefusedToken(RasaError):
    """Rasa refused the API token (401/403): a setting to fix, which no retry can mend."""


@dataclass(frozen=True)
class RasaClient:
    url: str = DEFAULT_URL
    token: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RasaClient:
        """ENGAGE_RASA_URL (default http://127.0.0.1:5005), ENGAGE_RASA_TOKEN, and
        ENGAGE_RASA_TIMEOUT (seconds, default 30), read now."""
        env = settings.environ() if env is None else env
        return cls(url=(env.get("ENGAGE_RASA_URL") or DEFAULT_URL).rstrip("/"),
                   token=env.get("ENGAGE_RASA_TOKEN") or None,
                   timeout=float(env.get("ENGAGE_RASA_TIMEOUT") or DEFAULT_TIMEOUT))

    def trigger_intent(self, pseudonym: str, intent: str, entities: Mapping[str, Any],
                       output_channel: str) -> None:
        """POST /conversations/{pseudonym}/trigger_intent; raises RasaError on any failure."""
        query = {"output_channel": output_channel}
        if self.token:
            query["token"] = self.token
        address = (f"{self.url}/conversations/{quote(pseudonym, safe='')}/trigger_intent?"
                   f"{urlencode(query)}")
        body = json.dumps({"name": intent, "entities": dict(entities)}).encode()
        request = urllib.request.Request(address, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                reply.read()
        except urllib.error.HTTPError as error:
            kind = RasaRefusedToken if error.code in (401, 403) else RasaError
            raise kind(_refusal(error)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RasaError(f"Rasa is not reachable at {self.url}: {reason}") from None


def _refusal(error: urllib.error.HTTPError) -> str:
    if error.code in (401, 403):
        return (f"Rasa refused the API token ({error.code}): start Rasa with --enable-api "
                "--auth-token and give the worker the same ENGAGE_RASA_TOKEN")
    try:
        detail = json.loads(error.read() or b"{}").get("message", "")
    except (ValueError, OSError, AttributeError):
        detail = ""
    return f"Rasa answered {error.code}" + (f": {str(detail)[:200]}" if detail else "")


def trigger_intent(pseudonym: str, intent: str, entities: Mapping[str, Any],
                   output_channel: str) -> None:
    """trigger_intent with the client configured by the environment at call time."""
    RasaClient.from_env().trigger_intent(pseudonym, intent, entities, output_channel)
