"""Five measured fixes for Rasa 3.6's per-message overhead, applied inside the Rasa process.

Profiling `make bench` (docs/benchmarks.md) showed the Rasa server, not our code, spending
~31 ms of CPU per message. Most of it is work Rasa repeats needlessly on every message:

1. it re-checks its own large JSON schema before validating each action server response;
2. it searches every Event subclass to turn a stored event's type name into a class;
3. it opens a new HTTP connection to the action server for every action call;
4. it runs the NLU pipeline again for texts it has just classified ("1", "YES" dominate);
5. it sends the action server the whole conversation (every event since the session began,
   serialised and parsed again on every turn) where our one action reads only the latest
   turn: from the resident's latest message on (actions/engage.py);
6. its rule policy turns the whole conversation into dialogue states three times a turn,
   where a rule can only look at the last few (as many as the longest rule has);
7. it hands each run of its model graph (a prediction: three nodes in a row) to dask's
   scheduler, after working out again which nodes the run needs.

Each fix keeps Rasa's behaviour (same validation, same classes, same parse results) and is
only applied to the Rasa version it was measured on; tests/test_rasa_tuning.py checks that.
"""

from __future__ import annotations

import copy
import logging
import sys
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
    _match_rules_on_the_latest_turns()
    _run_graphs_in_order_without_dask()
    _decide_once_whether_a_domain_is_empty()
    _run_reading_actions_without_copying_the_tracker()
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
                cache[key] = _copied(result)
            return result
        result = _copied(hit)
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


_IMMUTABLE = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    """A deep copy of a parse result (dicts, lists and tuples of strings and numbers, numpy's
    among them), several times faster than `copy.deepcopy` on it: immutable leaves are
    shared, as deepcopy shares them; anything else is deep-copied as before."""
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind is tuple:
        return tuple(_copied(item) for item in value)
    if isinstance(value, _IMMUTABLE) or _is_numpy_scalar(value):
        return value
    return copy.deepcopy(value)


def _is_numpy_scalar(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.generic)


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


def rules_tail(events: list[Any], states_needed: int) -> list[Any] | None:
    """The applied events from the latest point where a rule's view of the conversation can
    start afresh: an `action_listen` followed by a user message (so every later state has
    its own previous action and latest message within the tail), leaving at least
    `states_needed` states after it. None when the conversation is too short for a tail."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    actions = 0  # ActionExecuted events from `index` on: the tail's valid states
    seen_user = False  # a user message between `index` and the next ActionExecuted
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted):
            actions += 1
            if seen_user and actions >= states_needed and index > 0:
                return events[index:]
            seen_user = False
        elif isinstance(event, UserUttered):
            seen_user = True
    return None


def _match_rules_on_the_latest_turns() -> None:
    """Rasa's `_get_possible_keys` walks the states backwards and, once past a rule's
    length, keeps the rule: the answer depends on the last (longest rule) states only. A
    state is the latest user message, the previous action, featurised slots and the active
    loop; with no featurised slot and no loop (our domain), the states of a tail that starts
    at an action followed by a user message are the conversation's own last states. So the
    rule policy predicts on that tail, and on the whole conversation whenever that cannot be
    shown (a featurised slot, a form or loop, a short conversation, NLU confidence as score)
    or nothing matched (the fallback's prediction source names the whole conversation)."""
    from rasa.core.policies.rule_policy import RULES, RulePolicy
    from rasa.shared.core.events import ActiveLoop
    from rasa.shared.core.trackers import DialogueStateTracker

    original = RulePolicy._predict

    def longest_rule(policy: RulePolicy) -> int:
        found = policy.__dict__.get("_engage_longest_rule")
        if found is None:
            found = policy.__dict__["_engage_longest_rule"] = max(
                (len(policy._rule_key_to_state(key)) for key in policy.lookup.get(RULES, {})),
                default=0)
        return found

    def short_tracker(policy: RulePolicy, tracker: Any, domain: Any) -> Any:
        if (tracker.active_loop_name is not None or domain.form_names
                or policy.config.get("use_nlu_confidence_as_score")
                or any(slot.influence_conversation for slot in tracker.slots.values())):
            return None
        events = tracker.applied_events()
        if any(isinstance(event, ActiveLoop) for event in events):
            return None
        tail = rules_tail(events, longest_rule(policy) + 1)
        if tail is None:
            return None
        return DialogueStateTracker.from_events(tracker.sender_id, tail,
                                                tracker.slots.values())

    def predict(self: RulePolicy, tracker: Any, domain: Any) -> tuple[Any, Any]:
        short = short_tracker(self, tracker, domain)
        if short is None:
            return original(self, tracker, domain)
        prediction, source = original(self, short, domain)
        if prediction.probabilities == self._default_predictions(domain):
            return original(self, tracker, domain)  # no rule: the source is the whole talk
        return prediction, source

    predict.engage_original = original  # type: ignore[attr-defined]  (the tests compare)
    RulePolicy._predict = predict


def _decide_once_whether_a_domain_is_empty() -> None:
    """Rasa asks `domain.is_empty()` on every parsed message (to warn of unknown intents),
    and answers by building an empty Domain and both domains' dicts. Rasa never changes a
    Domain in place (merging or loading makes a new one), so the answer is worked out once
    per domain object."""
    from rasa.shared.core.domain import Domain

    original = Domain.is_empty

    def is_empty(self: Domain) -> bool:
        answer = self.__dict__.get("_engage_is_empty")
        if answer is None:
            answer = self.__dict__["_engage_is_empty"] = original(self)
        return answer

    is_empty.engage_original = original  # type: ignore[attr-defined]  (the tests compare)
    Domain.is_empty = is_empty


def _run_reading_actions_without_copying_the_tracker() -> None:
    """Before every action Rasa copies the whole tracker (replaying each event) so that the
    prediction's own events can be discarded if the action is rejected. With no such events
    and an action that only reads the tracker (listening, which does nothing, or our action,
    whose call Rasa builds from the tracker and whose answer it turns into events), the copy
    equals the tracker and nothing would change either, so the action is given the tracker
    itself. Any later copy in the same run is a real one."""
    from rasa.core.actions.action import ActionListen, RemoteAction
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._run_action

    async def run_action(self: MessageProcessor, action: Any, tracker: Any,
                         output_channel: Any, nlg: Any, prediction: Any) -> bool:
        reads_only = (type(action) is ActionListen
                      or (type(action) is RemoteAction and action.name() == OUR_ACTION))
        if not reads_only or prediction.events:
            return await original(self, action, tracker, output_channel, nlg, prediction)

        def itself() -> Any:
            del tracker.copy  # once: the instance's own `copy` is Rasa's again
            return tracker

        tracker.copy = itself
        try:
            return await original(self, action, tracker, output_channel, nlg, prediction)
        finally:
            tracker.__dict__.pop("copy", None)

    run_action.engage_original = original  # type: ignore[attr-defined]  (the tests compare)
    MessageProcessor._run_action = run_action


def graph_plan(schema: Any, targets: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """The nodes the targets need, each after its inputs, with the nodes it takes them from."""
    minimal = schema.minimal_graph_schema(list(targets))
    plan: list[tuple[str, list[str]]] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name not in minimal.nodes:
            return  # done, or a run input (the tracker, the message)
        done.add(name)
        needs = list(minimal.nodes[name].needs.values())
        for needed in needs:
            visit(needed)
        plan.append((name, needs))

    for target in targets:
        visit(target)
    return plan


def _run_graphs_in_order_without_dask() -> None:
    """dask.get on a graph this small calls each node once with its inputs' results, in
    dependency order; so does this, with the same node objects, the same inputs (a run input
    is the `(name, value)` pair dask would hand on) and the same errors."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    original = DaskGraphRunner.run

    def run(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
            targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        plans = self.__dict__.setdefault("_engage_plans", {})
        plan = plans.get(run_targets)
        if plan is None:
            plan = plans[run_targets] = graph_plan(self._graph_schema, run_targets)
        results: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                return original(self, inputs, targets)  # Rasa's own error for the clash
            results[name] = (name, value)
        try:
            for name, needs in plan:
                results[name] = self._instantiated_nodes[name](
                    *(results[needed] for needed in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    run.engage_original = original  # type: ignore[attr-defined]  (the tests compare)
    DaskGraphRunner.run = run
