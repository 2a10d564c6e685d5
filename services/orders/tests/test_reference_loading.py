"""Loading by migration: a fresh database gets the files' data; the shared test database holds
exactly the files; the re-load is idempotent, removes what the files drop, and never touches
what an admin added; the service refuses to start on data that is not the files'."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from kit.embedded_pg import create_database, drop_database, fresh_database_name
from kit.migrations import migrate
from kit.settings import async_database_url
from orders.reference import loading, models, repository
from orders.reference.data_files import ReferenceData, load

FILE_TABLES: list[tuple[Any, tuple[str, ...]]] = [
    (models.ReferenceSource, ("id",)),
    (models.PermitKind, ("id",)),
    (models.Province, ("id",)),
    (models.CustomsOffice, ("id",)),
    (models.TariffLine, ("hs_code",)),
    (models.TariffRate, ("hs_code", "seq")),
    (models.Incoterm, ("code",)),
    (models.ForeignSeller, ("fida_id",)),
    (models.CarBrand, ("id",)),
    (models.CarModel, ("brand_id", "id")),
]


@pytest.fixture(scope="module")
def data() -> ReferenceData:
    return load()


@pytest.fixture(scope="module")
async def fresh_engine(pg_server_url: str) -> AsyncIterator[AsyncEngine]:
    """A new database with only the orders migrations applied."""
    name = fresh_database_name("panjereh_orders_ref")
    url = await create_database(pg_server_url, name)
    await asyncio.to_thread(migrate, url, ["orders"])
    engine = create_async_engine(async_database_url(url))
    yield engine
    await engine.dispose()
    await drop_database(pg_server_url, name)


async def _stored(engine: AsyncEngine, model: Any, key: tuple[str, ...], file_only: bool = True) -> dict:
    table: Table = model.__table__
    stmt = select(table)
    if file_only and "origin" in table.c:
        stmt = stmt.where(table.c.origin == "file")
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).mappings().all()
    return {tuple(row[k] for k in key): dict(row) for row in rows}


def _expected(data: ReferenceData, model: Any, key: tuple[str, ...]) -> dict:
    return {tuple(row[k] for k in key): row for row in data.rows(model.__tablename__)}


async def _assert_database_matches_files(engine: AsyncEngine, data: ReferenceData) -> None:
    for model, key in FILE_TABLES:
        stored = await _stored(engine, model, key)
        expected = _expected(data, model, key)
        assert set(stored) == set(expected), model.__tablename__
        for k, row in expected.items():
            got = {name: stored[k][name] for name in row}
            assert got == row, (model.__tablename__, k)
    sets = await _stored(engine, models.ReferenceDataSet, ("id",))
    assert {k[0]: v["content_hash"] for k, v in sets.items()} == {
        i: s.content_hash for i, s in data.sets.items()
    }


async def test_the_migration_loads_the_data_on_a_fresh_database(
    fresh_engine: AsyncEngine, data: ReferenceData
) -> None:
    await _assert_database_matches_files(fresh_engine, data)
    async with fresh_engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM orders.tariff_lines"))
        offices = await conn.scalar(text("SELECT count(*) FROM orders.customs_offices"))
    assert count == len(data.rows("tariff_lines")) >= 90
    assert offices == len(data.rows("customs_offices")) >= 100


async def test_the_test_database_holds_exactly_the_files(database_url: str, data: ReferenceData) -> None:
    engine = create_async_engine(async_database_url(database_url))
    try:
        await _assert_database_matches_files(engine, data)
    finally:
        await engine.dispose()


async def test_reload_is_idempotent_removes_dropped_rows_and_keeps_admin_rows(
    fresh_engine: AsyncEngine, data: ReferenceData
) -> None:
    async with fresh_engine.begin() as conn:
        counts = await conn.run_sync(loading.sync, data)
    assert counts["tariff_lines"] == len(data.rows("tariff_lines"))
    assert not any(k.endswith("_removed") for k in counts), "nothing to remove on a second run"
    await _assert_database_matches_files(fresh_engine, data)

    # An admin adds a seller and takes over a demo brand; the files then drop a tariff line.
    async with fresh_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO orders.foreign_sellers (fida_id, name, country, sandbox, origin, sources, confidence)"
                " VALUES ('123456789012', 'Real Seller Ltd', 'AE', false, 'admin', '{}', 'H')"
            )
        )
        await conn.execute(
            text(
                "UPDATE orders.car_brands SET origin = 'admin', sandbox = false, verified = true WHERE id = 'kia'"
            )
        )
    tariff = data.sets["tariff-lines"]
    dropped = tariff.rows["tariff_lines"][0]["hs_code"]
    smaller = dataclasses.replace(
        tariff,
        rows={
            "tariff_lines": [r for r in tariff.rows["tariff_lines"] if r["hs_code"] != dropped],
            "tariff_line_rates": [r for r in tariff.rows["tariff_line_rates"] if r["hs_code"] != dropped],
        },
        content_hash="0" * 64,
    )
    changed = ReferenceData(sets={**data.sets, "tariff-lines": smaller})
    try:
        async with fresh_engine.begin() as conn:
            counts = await conn.run_sync(loading.sync, changed)
        assert counts["tariff_lines_removed"] == 1
        async with fresh_engine.connect() as conn:
            assert (
                await conn.scalar(
                    text(f"SELECT count(*) FROM orders.tariff_lines WHERE hs_code = '{dropped}'")
                )
                == 0
            )
            assert (
                await conn.scalar(
                    text("SELECT origin FROM orders.foreign_sellers WHERE fida_id = '123456789012'")
                )
                == "admin"
            )
            kia = (
                await conn.execute(text("SELECT origin, sandbox FROM orders.car_brands WHERE id = 'kia'"))
            ).one()
        assert tuple(kia) == ("admin", False), "a re-load never overwrites an admin row"
    finally:
        async with fresh_engine.begin() as conn:
            await conn.execute(text("DELETE FROM orders.foreign_sellers WHERE origin = 'admin'"))
            await conn.execute(
                text(
                    "UPDATE orders.car_brands SET origin = 'file', sandbox = true, verified = false WHERE id = 'kia'"
                )
            )
            await conn.run_sync(loading.sync, data)
    await _assert_database_matches_files(fresh_engine, data)


async def test_the_service_refuses_data_that_is_not_the_files(
    fresh_engine: AsyncEngine, data: ReferenceData
) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    sessionmaker = async_sessionmaker(fresh_engine)
    async with sessionmaker() as session:
        await loading.assert_current(session, data)  # as migrated
    stale = ReferenceData(
        sets={**data.sets, "incoterms": dataclasses.replace(data.sets["incoterms"], content_hash="f" * 64)}
    )
    async with sessionmaker() as session:
        with pytest.raises(loading.ReferenceDataOutOfDate, match=r"incoterms.*migration"):
            await loading.assert_current(session, stale)


async def test_tariff_line_lookup_for_the_rest_of_orders(fresh_engine: AsyncEngine) -> None:
    """``repository.tariff_line(session, hs_code)``: the function order files call."""
    import datetime as dt

    from sqlalchemy.ext.asyncio import async_sessionmaker

    async with async_sessionmaker(fresh_engine)() as session:
        line = await repository.tariff_line(session, "1001 19 10")
        assert line is not None
        assert line.hs_code == "10011910"
        assert line.permits == ["plant-quarantine"]
        assert not line.prohibited
        assert line.duty_category == "animal-feed"
        assert [r.rate_percent for r in line.rates] == [10]
        assert (await repository.tariff_line(session, "۸۷۰۳۲۳۰۰")).hs_code == "87032300"  # type: ignore[union-attr]
        fridge = await repository.tariff_line(session, "84182100")
        assert fridge is not None
        assert fridge.prohibited
        assert fridge.prohibition_group == "group-4"
        assert await repository.tariff_line(session, "99999999") is None
        assert await repository.tariff_line(session, "1001") is None  # malformed: None, not an error
        ev = await repository.tariff_line(session, "87038000", on=dt.date(2024, 6, 1))
        assert ev is not None
        assert ev.rates[0].valid_from == dt.date(2024, 3, 20)


async def test_car_model_on_list(fresh_engine: AsyncEngine) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    async with async_sessionmaker(fresh_engine)() as session:
        assert await repository.car_model_on_list(session, "toyota", "corolla", include_sandbox=True)
        assert not await repository.car_model_on_list(session, "toyota", "corolla", include_sandbox=False)
        assert not await repository.car_model_on_list(session, "toyota", "supra", include_sandbox=True)
