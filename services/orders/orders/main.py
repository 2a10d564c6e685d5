"""The orders application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from kit.access_levels import access_markdown
from kit.app import ServiceSpec, create_service_app
from kit.audit_api import audit_router
from kit.signatures import jti_purger
from orders import state
from orders.cars import api as cars_api
from orders.config import Settings
from orders.db import audit_log, idempotency_keys, outbox_events, signature_jtis
from orders.files import api as files_api
from orders.files import expiry
from orders.products import api as products_api
from orders.reference import api as reference_api

SPEC = ServiceSpec(
    name="orders",
    title="Panjereh orders",
    description="Order-registration files, tariff reference data, product IDs and the Iranians-abroad car import "
    "with the Mikhak feed (SPEC §2). Order files need the grant scope `foreign-trade`, product-ID requests "
    f"`product-id`.\n\n{access_markdown()}",
    version="0.1.0",
    service_dir=Path(__file__).resolve().parent.parent,
    settings_factory=Settings,
    routers=[
        reference_api.router,
        files_api.router,
        products_api.router,
        cars_api.router,
        audit_router(audit_log),
    ],
    idempotency_table=idempotency_keys,
    outbox_table=outbox_events,
    tags=[
        {
            "name": "order files",
            "description": "Order-registration files: drafts, tariff lines, final registration (signed), "
            "review, validity and extension, access levels.",
        },
        {
            "name": "product IDs",
            "description": "Product IDs (شناسه کالا): headings, registration, supervision, search, barcodes.",
        },
        {
            "name": "cars of Iranians abroad",
            "description": "The Mikhak feed, eligibility and the case-permit inquiry (seed 001).",
        },
        {
            "name": "audit",
            "description": "The security audit log (admin scope): approvals, rejections, final registrations.",
        },
        {
            "name": "reference data",
            "description": "Tariff lines with permits and prohibitions, customs offices by province, "
            "Incoterms, countries, currencies, FIDA sellers and the allowed car brands: dated and cited.",
        },
    ],
    state=state.build,
    periodic=[expiry.run_once, jti_purger(signature_jtis)],
    body_limits={files_api.ATTACHMENT_PATH: files_api.ATTACHMENT_BODY_BYTES},
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)
