"""Every table of the ``orders`` schema on one ``metadata``, for the migrations and the
models/migrations check: kit's tables (``orders.db``) and each domain's."""

from __future__ import annotations

from orders.cars import models as cars
from orders.db import metadata
from orders.files import models as files
from orders.products import models as products
from orders.reference import models as reference

DOMAINS = (cars, files, products, reference)

__all__ = ["DOMAINS", "metadata"]
