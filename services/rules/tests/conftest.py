from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from kit_testing import app_client

from rules import data_files
from rules.catalogue import Catalogue
from rules.main import create_app


@pytest.fixture(scope="session")
def law() -> data_files.LawData:
    return data_files.load()


@pytest.fixture(scope="session")
def catalogue(law: data_files.LawData) -> Catalogue:
    return Catalogue(law.rules, law.holidays)


@pytest.fixture(scope="session")
async def rules_api(settings_for) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    async with app_client(create_app(settings_for("rules"))) as client:
        yield client
