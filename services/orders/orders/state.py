"""The orders service's typed state, built once at start-up (kit.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from kit.runtime import Runtime, ServiceState, state_dependency
from orders.files.charges import ExchangeRates, load_rates
from orders.identity_peer import identity_signature_verifier
from orders.reference import data_files, loading
from orders.reference.service import Catalogue, load_catalogue


@dataclass(kw_only=True)
class OrdersState(ServiceState):
    # Tariff lines, offices, countries...: checked against the data files, then kept in memory.
    reference_catalogue: Catalogue
    exchange_rates: ExchangeRates


async def build(runtime: Runtime) -> OrdersState:
    """Check the database holds the data files' reference data, and cache it with the exchange rates."""
    data = data_files.load()
    async with runtime.sessionmaker() as session:
        await loading.assert_current(session, data)
        return OrdersState(
            runtime=runtime,
            signature_verifier=identity_signature_verifier(runtime),
            reference_catalogue=await load_catalogue(session),
            exchange_rates=await load_rates(session),
        )


# A plain function as well as a dependency: the hot paths call it on the request to spare a
# dependency's cost (bench/orders).
orders_state = state_dependency(OrdersState)
