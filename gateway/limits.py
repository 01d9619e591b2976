"""Bodies are read up to a limit: a sender cannot make the gateway hold more than that."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class TooLarge(Exception):
    """A request body over the gateway's limit."""


class BodyLimit:
    """Refuses a request at once (413) when its declared Content-Length is over the limit.

    `larger` gives paths under a prefix their own limit (the codec endpoint decodes whole
    histories' payloads, far over what a webhook sends).
    """

    def __init__(self, app: ASGIApp, limit: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.larger = larger or {}

    def limit_for(self, path: str) -> int:
        """The limit for a request path."""
        return next((n for prefix, n in self.larger.items() if path.startswith(prefix)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length")
            limit = self.limit_for(str(scope.get("path", "")))
            if declared is not None and declared.isdigit() and int(declared) > limit:
                answer = JSONResponse(
                    {"detail": f"the body is over the {limit} bytes a request may have"},
                    status_code=413,
                )
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or TooLarge as soon as it passes the limit (chunked bodies too)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"the body is over the {limit} bytes a request may have")
    return bytes(body)
