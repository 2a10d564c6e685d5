"""Panjereh orders: Order-registration files, tariff reference data, product IDs and the Iranians-abroad car import with the Mikhak feed (SPEC §2)."""
