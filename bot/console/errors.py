"""Error pages in plain words: what happened and what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.types import Scope

from bot.console.pages import Console


@dataclass(frozen=True)
class Words:
    title: str
    explanation: str
    next_step: str


WORDS = {
    400: Words("We could not read that", "Something in what your browser sent could not be read.",
               "Go back, reload the page and try again."),
    403: Words("You cannot use this page", "Your role does not include this page.",
               "If you need it for your work, ask an administrator to change your role."),
    404: Words("Page not found", "There is no page at this address.",
               "Check the address, or start again from the home page."),
    405: Words("That cannot be done here", "This page does not accept that kind of request.",
               "Start again from the home page."),
    413: Words("That is too large", "What you sent is larger than the console accepts.",
               "Send a smaller file, or split it into parts."),
    500: Words("Something went wrong", "The console hit a problem it did not expect. "
               "A change you were making may not have been saved.",
               "Check the page to see whether it was, then try again. If it happens again, "
               "tell an administrator the time it happened."),
}
EXPIRED_FORM = Words("This form has expired", "For your security, forms only work for a "
                     "while, in the browser they were opened in.",
                     "Go back, reload the page, and send the form again.")


class ErrorPages:
    def __init__(self, console: Console) -> None:
        self.console = console

    def page(self, request: Request | None, status: int, *, expired_form: bool = False,
             role: str | None = None) -> Response:
        words = EXPIRED_FORM if expired_form else WORDS.get(status, WORDS[500])
        explanation = words.explanation
        if role and status == 403 and not expired_form:
            explanation = f"Your role ({role}) does not include this page."
        if status == 413:
            megabytes = self.console.settings.max_body_bytes / 1_000_000
            explanation += f" The most it takes is {megabytes:.3g} MB."
        try:
            html = self.console.page_html("error.html", title=words.title, status=status,
                                          explanation=explanation, next_step=words.next_step,
                                          staff=None, nav=[], csrf_token="", notice=None,
                                          path=request.url.path if request else "")
        except Exception:  # noqa: BLE001 - an error page must not fail in turn
            return PlainTextResponse(f"{words.title}. {words.next_step}", status_code=status)
        return HTMLResponse(html, status_code=status)

    def for_scope(self, scope: Scope, status: int) -> Response:
        return self.page(Request(scope), status)

    async def http_exception(self, request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, HTTPException) else 500
        return self.page(request, status)

    async def server_error(self, request: Request, error: Exception) -> Response:
        return self.page(request, 500)
