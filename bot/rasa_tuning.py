"""Five measured fixes for Rasa 3.6's per-message overhead, applied inside the Rasa process.

Profiling `make bench` (docs/benchmarks.md) showed the Rasa server, not our code, spending
~31 ms of CPU per message. Most of it is work Rasa repeats needlessly on every message:

1. it re-checks its own large JSON schema before validating each action server response;
2. it searches every Event subclass to turn a stored event's type name into a class;
3. it opens a new HTTP connection to the action server for every action call;
4. it runs the NLU pipeline again for texts it has just classified ("1", "YES" dominate);
5. it sends the action server the whole conversation (every event since the session began,
   serialised and parsed again on every turn) where our one action reads only the latest
   turn: from the resident's latest message on (actions/engage.py).

Each fix keeps Rasa's behaviour (same validation, same classes, same parse results) and is
only applied to the Rasa version it was measured on; tests/test_rasa_tuning.py checks that.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import rasa

logger = logging.getLogger(__name__)
TUNED_FOR = "3.6.21"
NLU_CACHE_SIZE = 10_000
NLU_CACHE_MAX_TEXT = 64
OUR_ACTION = "action_engage"  # reads the latest user message, its metadata and the sender only
_applied = False


def apply() -> bool:
    """Apply every fix once. Returns whether they are in effect."""
    global _applied
    if _applied:
        return True
    if rasa.__version__ != TUNED_FOR:
        logger.warning("Rasa %s is not %s: performance fixes not applied", rasa.__version__,
                       TUNED_FOR)
        return False
    _validate_action_results_with_one_validator()
    _resolve_event_types_from_a_table()
    _keep_action_server_connections_open()
    _cache_nlu_results_per_text()
    _send_our_action_only_the_latest_turn()
    _applied = True
    return True


def _validate_action_results_with_one_validator() -> None:
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    cache: dict[str, Any] = {}

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        validator = cache.get("validator")
        if validator is None:
            spec = self.action_response_format_spec()
            cls = validators.validator_for(spec)
            cls.check_schema(spec)
            validator = cache["validator"] = cls(spec)
        if validator.is_valid(result):
            return True
        return original(self, result)  # Rasa's own error message for the invalid response

    RemoteAction._validate_action_result = validate
    _ = ValidationError  # raised by `original`, kept importable for readers


def _resolve_event_types_from_a_table() -> None:
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    table: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        found = table.get(type_name)
        if found is None:
            for cls in common.all_subclasses(Event):
                table.setdefault(cls.type_name, cls)
            found = table.get(type_name)
        return found if found is not None else original(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)


class _SharedSession:
    """`async with` over a long-lived session: Rasa's code closes what it opens."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *_: object) -> bool:
        return False


def _keep_action_server_connections_open() -> None:
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.session

    def session(self: EndpointConfig) -> _SharedSession:
        shared = self.__dict__.get("_engage_session")
        if shared is None or shared.closed:
            shared = self.__dict__["_engage_session"] = original(self)
        return _SharedSession(shared)

    EndpointConfig.session = session


def _cache_nlu_results_per_text() -> None:
    """Our pipeline's result depends on the text alone (no entities, no context)."""
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._parse_message_with_graph

    def parse(self: MessageProcessor, message: Any, tracker: Any = None,
              only_output_properties: bool = True) -> dict[str, Any]:
        text = message.text or ""
        if text.startswith("/") or len(text) > NLU_CACHE_MAX_TEXT:
            return original(self, message, tracker, only_output_properties)
        cache = self.__dict__.setdefault("_engage_nlu_cache", {})
        key = (text, only_output_properties)
        hit = cache.get(key)
        if hit is None:
            result = original(self, message, tracker, only_output_properties)
            if len(cache) < NLU_CACHE_SIZE:
                cache[key] = copy.deepcopy(result)
            return result
        result = copy.deepcopy(hit)
        if "message_id" in result:
            result["message_id"] = message.message_id
        return result

    MessageProcessor._parse_message_with_graph = parse


def latest_turn(events: list[Any]) -> list[Any]:
    """The events from the latest user message on (all of them when there is none)."""
    from rasa.shared.core.events import UserUttered

    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def _send_our_action_only_the_latest_turn() -> None:
    """Everything else in the call (slots, latest message, input channel, domain rules) is as
    Rasa makes it; other custom actions, should a deployment add one, get Rasa's full call."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    original = RemoteAction._action_call_format

    def call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        if self._name != OUR_ACTION:
            return original(self, tracker, domain)
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in latest_turn(list(tracker.events))]
        result = {"next_action": self._name, "sender_id": tracker.sender_id,
                  "tracker": state, "version": rasa.__version__}
        if (not self._is_selective_domain_enabled()
                or domain.does_custom_action_explicitly_need_domain(self.name())):
            result["domain"] = domain.as_dict()
        return result

    RemoteAction._action_call_format = call_format
