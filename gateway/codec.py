"""The codec endpoint: the Temporal UI (and scripts) decode and encode payloads here.

The Temporal codec-server protocol: `POST <endpoint>/decode` and `/encode`, each with
`{"payloads": [...]}` of proto-JSON payloads (metadata values and data in base64),
answered the same way. Mounted at `/v1/codec` when the codec is on; only those with
a codec token see anything (`gateway.codec_auth`), and only the UI's own origin may
call it from a browser (CORS with credentials, that origin only).
"""

import html
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec
from temporalio.exceptions import ApplicationError

from gateway.codec_auth import COOKIE, SESSION_SECONDS, CodecAuth
from gateway.limits import TooLarge, read_body
from settings import Settings

PATH = "/v1/codec"
LOGIN_BODY_BYTES = 4096
# What the Temporal UI sends: JSON, the namespace, and a token when it passes one.
ALLOWED_HEADERS = ["Content-Type", "X-Namespace", "Authorization", "Authorization-Extras"]

log = logging.getLogger(__name__)


def codec_app(codec: PayloadCodec, settings: Settings) -> FastAPI:
    """The codec endpoint as an app of its own, to mount at `PATH` of the gateway."""
    app = FastAPI(
        title="salesflow codec endpoint",
        description='Temporal codec server: POST /decode and /encode with {"payloads": [...]}',
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    origins = settings.codec_origin_list()
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=True,  # the UI's "Include cross-origin credentials": the cookie
        allow_methods=["POST"],
        allow_headers=ALLOWED_HEADERS,
        max_age=600,
    )
    auth = CodecAuth(settings.codec_token_list())
    limit = settings.codec_max_body_bytes

    async def convert(request: Request, direction: str) -> Response:
        refused = _refusal(request, auth, origins)
        if refused is not None:
            return refused
        try:
            payloads = _read_payloads(await read_body(request, limit))
        except TooLarge as error:
            return _problem(413, str(error))
        except ValueError as error:
            return _problem(400, str(error))
        try:
            if direction == "decode":
                converted = await codec.decode(payloads)
            else:
                converted = await codec.encode(payloads)
        except ApplicationError as error:  # CodecError: an unknown key id, a changed payload
            return _problem(400, error.message)
        return JSONResponse({"payloads": [json_format.MessageToDict(p) for p in converted]})

    @app.post("/decode", summary="decrypt payloads (what the Temporal UI shows)")
    async def decode(request: Request) -> Response:
        return await convert(request, "decode")

    @app.post("/encode", summary="encrypt payloads (what the Temporal UI sends)")
    async def encode(request: Request) -> Response:
        return await convert(request, "encode")

    @app.get("/login", response_class=HTMLResponse, summary="sign this browser in")
    async def login_page(request: Request) -> HTMLResponse:
        return HTMLResponse(_login_page(""))

    @app.post("/login", response_class=HTMLResponse, summary="sign this browser in")
    async def login(request: Request) -> Response:
        try:
            form = parse_qs((await read_body(request, LOGIN_BODY_BYTES)).decode())
        except (TooLarge, UnicodeDecodeError):
            form = {}
        token = (form.get("token") or [""])[0].strip()
        if not token or not auth.is_token(token):
            page = _login_page("That is not a codec token.")
            return HTMLResponse(page, status_code=401)
        answer = HTMLResponse(_signed_in_page(_origin_of(request) + _mount_path(request)))
        answer.set_cookie(
            COOKIE,
            auth.new_session(token),
            max_age=SESSION_SECONDS,
            path=_mount_path(request),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        log.info("codec endpoint: a browser signed in")
        return answer

    @app.post("/logout", response_class=HTMLResponse, summary="sign this browser out")
    async def logout(request: Request) -> Response:
        answer = HTMLResponse(_PAGE.format(title="Signed out", body="<p>Signed out.</p>"))
        answer.delete_cookie(COOKIE, path=_mount_path(request), httponly=True, samesite="strict")
        return answer

    return app


def _refusal(request: Request, auth: CodecAuth, origins: list[str]) -> Response | None:
    """Why the request may not use the codec, as the answer; None when it may."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in origins:
        # A page of another origin on this site gets the cookie sent with a "simple"
        # request; it could not read the answer, but it gets no answer at all.
        return _problem(403, f"origin {origin} may not call the codec endpoint")
    if not auth.configured:
        return _problem(401, "no codec tokens are set (SALESFLOW_CODEC_TOKENS): nobody may decode")
    how = auth.allows(request.headers.get("authorization"), request.cookies.get(COOKIE))
    if how is None:
        return JSONResponse(
            {"detail": "a codec token is needed: Authorization: Bearer <token>, or sign in "
             "at /v1/codec/login"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="salesflow codec"'},
        )  # fmt: skip
    namespace = request.headers.get("x-namespace", "-")
    log.info("codec endpoint: %s %s (namespace %s, %s)", request.method, request.url.path,
             namespace, how)  # fmt: skip
    return None


def _read_payloads(body: bytes) -> list[Payload]:
    """The payloads of a `{"payloads": [...]}` body; ValueError saying what is wrong."""
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("payloads", []), list):
        raise ValueError('the body must be {"payloads": [...]}')
    payloads: list[Payload] = []
    for number, item in enumerate(data.get("payloads", []), start=1):
        try:
            payloads.append(json_format.ParseDict(item, Payload()))
        except (json_format.ParseError, TypeError, ValueError):
            raise ValueError(f"payload {number} is not a proto-JSON Payload") from None
    return payloads


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _mount_path(request: Request) -> str:
    return str(request.scope.get("root_path") or PATH)


def _origin_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body style="font-family:sans-serif;max-width:36em;margin:3em auto">'
    "<h1>{title}</h1>{body}</body></html>"
)


def _login_page(problem: str) -> str:
    said = f'<p style="color:#b00">{html.escape(problem)}</p>' if problem else ""
    body = (
        f"{said}<p>Sign this browser in to see decoded payloads in the Temporal UI.</p>"
        '<form method="post"><label>Codec token <input type="password" name="token" '
        'autocomplete="off" required></label> <button type="submit">Sign in</button></form>'
    )
    return _PAGE.format(title="salesflow codec endpoint", body=body)


def _signed_in_page(endpoint: str) -> str:
    hours = SESSION_SECONDS // 3600
    body = (
        f"<p>This browser may decode payloads for {hours} hours.</p><p>In the Temporal UI, "
        "open <em>Configure Codec Server</em>, use your browser's setting, set the endpoint "
        f"<code>{html.escape(endpoint)}</code> and tick <em>Include cross-origin "
        "credentials</em>: the UI then sends this sign-in with its requests.</p>"
        '<form method="post" action="logout"><button type="submit">Sign out</button></form>'
    )
    return _PAGE.format(title="Signed in", body=body)
