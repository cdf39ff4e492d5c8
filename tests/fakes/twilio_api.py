"""A fake Twilio REST API (Messages) on 127.0.0.1, for the real `twilio` client.

It answers like Twilio: basic auth with the account sid and auth token, 201 with a Message
resource, Twilio error JSON on failure. Tests script failures (`fail_next`) and play Twilio's
part in delivery (`send_status` posts a signed status callback).
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import aiohttp
from aiohttp import web

from .server import FailurePlan, RecordedRequest, ThreadedServer
from .signing import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, new_sid, sign_twilio_form

API_VERSION = "2010-04-01"
UNSUBSCRIBED = (21610, "Attempt to send to unsubscribed recipient")
ERRORS = {
    400: UNSUBSCRIBED,
    401: (20003, "Authenticate"),
    404: (20404, "The requested resource was not found"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@dataclass
class TwilioMessage:
    """A message the fake accepted."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    status: str
    status_callback: str | None
    messaging_service_sid: str | None
    content_sid: str | None
    content_variables: str | None
    request: RecordedRequest
    statuses: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    def resource(self) -> dict[str, Any]:
        now = formatdate(usegmt=True)
        made = formatdate(self.created, usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}"
        return {
            "account_sid": self.account_sid, "api_version": API_VERSION, "body": self.body,
            "date_created": made, "date_updated": now, "date_sent": None,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": self.from_, "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD",
            "sid": self.sid, "status": self.status, "to": self.to, "uri": uri + ".json",
            "subresource_uris": {"media": uri + "/Media.json"},
        }


@dataclass(frozen=True)
class StatusCallback:
    """A status callback the fake posted, and how the bot answered it."""

    url: str
    params: dict[str, str]
    status: int
    body: str


class FakeTwilio(ThreadedServer):
    """`with FakeTwilio() as fake:` then point the client at `fake.url` (see `fake.env()`)."""

    def __init__(self, account_sid: str = TEST_ACCOUNT_SID,
                 auth_token: str = TEST_AUTH_TOKEN) -> None:
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages: list[TwilioMessage] = []
        self.callbacks: list[StatusCallback] = []
        self.failures = FailurePlan()
        self._by_sid: dict[str, TwilioMessage] = {}
        self._sid_lock = threading.Lock()
        self.route("POST", f"/{API_VERSION}/Accounts/{{account}}/Messages.json", self._create)
        self.route("GET", f"/{API_VERSION}/Accounts/{{account}}/Messages.json", self._list)

    def env(self) -> dict[str, str]:
        """The environment that points bot.outbound.clients at this fake."""
        return {"TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                "ENGAGE_TWILIO_API_BASE": self.url}

    def fail_next(self, failure: int | str, times: int = 1, *, code: int | None = None,
                  message: str | None = None, retry_after: float | None = 1,
                  hold: float = 5.0) -> None:
        """Answer the next `times` create requests with an error instead.

        `failure` is an HTTP status (429 carries Retry-After: `retry_after`; 400 defaults to
        21610 unsubscribed) or "timeout": hold the request `hold` seconds, longer than the
        client waits, then answer 504 without accepting the message.
        """
        if failure != "timeout" and not isinstance(failure, int):
            raise ValueError(f"unknown failure {failure!r}")
        default = ERRORS.get(failure, (20000 + failure, "Error")) if isinstance(failure, int) \
            else (20504, "Gateway Timeout")
        self.failures.add({"failure": failure, "code": code or default[0],
                           "message": message or default[1], "retry_after": retry_after,
                           "hold": hold}, times)

    @property
    def accepted(self) -> list[TwilioMessage]:
        with self.lock:
            return list(self.messages)

    def message(self, sid: str) -> TwilioMessage:
        with self._sid_lock:
            return self._by_sid[sid]

    async def _create(self, request: web.Request) -> web.Response:
        form = {key: value for key, value in (await request.post()).items()
                if isinstance(value, str)}
        entry = self.record(request, form)
        response = await self._answer(request, form, entry)
        entry.status = response.status
        return response

    async def _answer(self, request: web.Request, form: dict[str, str],
                      entry: RecordedRequest) -> web.Response:
        if not self._authorised(request):
            return self._error(401, *ERRORS[401])
        if request.match_info["account"] != self.account_sid:
            return self._error(404, *ERRORS[404])
        failure = self.failures.take()
        if failure is not None:
            return await self._fail(failure)
        problem = self._invalid(form)
        if problem:
            return self._error(400, *problem)
        message = self._accept(form, entry)
        return web.json_response(message.resource(), status=201)

    async def _list(self, request: web.Request) -> web.Response:
        """Twilio's message list: filtered by To and From, newest first, one page."""
        if not self._authorised(request):
            return self._error(401, *ERRORS[401])
        if request.match_info["account"] != self.account_sid:
            return self._error(404, *ERRORS[404])
        to, from_ = request.query.get("To"), request.query.get("From")
        size = int(request.query.get("PageSize", "50"))
        with self.lock:
            found = [m for m in reversed(self.messages)
                     if (to is None or m.to == to) and (from_ is None or m.from_ == from_)]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        return web.json_response({
            "messages": [m.resource() for m in found[:size]], "end": min(size, len(found)) - 1,
            "first_page_uri": uri, "next_page_uri": None, "page": 0, "page_size": size,
            "previous_page_uri": None, "start": 0, "uri": uri})

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization", "") == f"Basic {expected}"

    @staticmethod
    def _invalid(form: dict[str, str]) -> tuple[int, str] | None:
        if not form.get("To"):
            return 21604, "A 'To' phone number is required."
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return 21603, "A 'From' phone number is required."
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return 21602, "Message body is required."
        if len(form.get("Body", "")) > 1600:
            return 21617, "The concatenated message body exceeds the 1600 character limit."
        return None

    def _accept(self, form: dict[str, str], entry: RecordedRequest) -> TwilioMessage:
        message = TwilioMessage(
            sid=new_sid("SM"), account_sid=self.account_sid, to=form["To"],
            from_=form.get("From"), body=form.get("Body", ""),
            status="accepted" if form.get("MessagingServiceSid") else "queued",
            status_callback=form.get("StatusCallback"),
            messaging_service_sid=form.get("MessagingServiceSid"),
            content_sid=form.get("ContentSid"), content_variables=form.get("ContentVariables"),
            request=entry)
        with self.lock:
            self.messages.append(message)
        with self._sid_lock:
            self._by_sid[message.sid] = message
        entry.extra["sid"] = message.sid
        return message

    async def _fail(self, failure: dict[str, Any]) -> web.Response:
        if failure["failure"] == "timeout":
            await self.hold(failure["hold"])
            return self._error(504, failure["code"], failure["message"])
        status = failure["failure"]
        headers = {}
        if status == 429 and failure["retry_after"] is not None:
            headers["Retry-After"] = str(failure["retry_after"])
        return self._error(status, failure["code"], failure["message"], headers)

    @staticmethod
    def _error(status: int, code: int, message: str,
               headers: dict[str, str] | None = None) -> web.Response:
        body = {"code": code, "message": message, "status": status,
                "more_info": f"https://www.twilio.com/docs/errors/{code}"}
        return web.json_response(body, status=status, headers=headers)

    # Delivery reports: Twilio's side of the status callback.

    def status_params(self, sid: str, status: str, error_code: int | None = None) -> dict[str, str]:
        message = self.message(sid)
        params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
                  "AccountSid": self.account_sid, "To": message.to, "ApiVersion": API_VERSION}
        if message.from_:
            params["From"] = message.from_
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params

    def send_status(self, sid: str, status: str, error_code: int | None = None,
                    url: str | None = None) -> StatusCallback:
        """POST a signed status callback to the message's StatusCallback (or `url`) and wait.

        From async code whose loop serves that URL, use `asend_status` instead.
        """
        return self.call(self._post_status(sid, status, error_code, url))

    async def asend_status(self, sid: str, status: str, error_code: int | None = None,
                           url: str | None = None) -> StatusCallback:
        return await self.acall(self._post_status(sid, status, error_code, url))

    async def _post_status(self, sid: str, status: str, error_code: int | None,
                           url: str | None) -> StatusCallback:
        message = self.message(sid)
        target = url or message.status_callback
        if not target:
            raise ValueError(f"message {sid} has no StatusCallback")
        signed = sign_twilio_form(self.auth_token, target,
                                  self.status_params(sid, status, error_code))
        async with aiohttp.ClientSession() as session, \
                session.post(target, data=signed.body, headers=signed.headers) as reply:
            callback = StatusCallback(target, signed.params, reply.status, await reply.text())
        message.status = status
        message.statuses.append(status)
        with self.lock:
            self.callbacks.append(callback)
        return callback
