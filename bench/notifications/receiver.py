"""The bench's webhook receiver: one path per subscriber, each verifying the signature with
its secret (``notifications_client.webhooks.verify``) and noting when each message arrived.

    POST /hook/{n}            a delivery (or the subscription's challenge, echoed)
    PUT  /hook/{n}            {"secret": "whsec_…", "mode": "ok" | "hang" | "fail"}
    GET  /receipts            every delivery noted since the last call: [[n, seq, at, message_id], …]
    GET  /health

``hang`` answers after 60 s (the dispatcher times out first: a dead endpoint that accepts
connections); ``fail`` answers 503 at once. Receipt times are ``time.time()``, the clock the
producer stamps commits with (one machine).
"""

from __future__ import annotations

import asyncio
import json
import time

from notifications_client.webhooks import WebhookVerificationError, verify
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

secrets: dict[int, str] = {}
modes: dict[int, str] = {}
receipts: list[list[object]] = []
refused = 0


async def hook(request: Request) -> Response:
    global refused
    n = int(request.path_params["n"])
    body = await request.body()
    document = json.loads(body)
    if document.get("type") == "webhook.challenge":
        return JSONResponse({"challenge": document["challenge"]})
    mode = modes.get(n, "ok")
    if mode == "hang":
        await asyncio.sleep(60)
    if mode != "ok":
        return Response(status_code=503)
    at = time.time()
    try:
        message_id = verify(secrets[n], request.headers, body)
    except (KeyError, WebhookVerificationError):
        refused += 1
        return Response(status_code=400)
    receipts.append([n, document["data"].get("bench_seq"), at, message_id])
    return Response(status_code=204)


async def configure(request: Request) -> Response:
    n = int(request.path_params["n"])
    settings = await request.json()
    if "secret" in settings:
        secrets[n] = settings["secret"]
    if "mode" in settings:
        modes[n] = settings["mode"]
    return Response(status_code=204)


async def take_receipts(request: Request) -> Response:
    taken = receipts[:]
    del receipts[: len(taken)]
    return JSONResponse({"receipts": taken, "refused": refused})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/hook/{n:int}", hook, methods=["POST"]),
            Route("/hook/{n:int}", configure, methods=["PUT"]),
            Route("/receipts", take_receipts),
            Route("/health", health),
        ]
    )
