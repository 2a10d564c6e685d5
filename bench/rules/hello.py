"""The baseline of bench/rules: a minimal FastAPI app, served like the services.

uvicorn --factory hello:create_app --app-dir bench/rules ...
"""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="hello")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"message": "hello"}

    return app
