"""The rules service's typed state: the law, loaded once at start-up (kit.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from kit.runtime import Runtime, ServiceState, state_dependency
from rules import data_files
from rules.catalogue import Catalogue
from rules.loading import load_catalogue


@dataclass(kw_only=True)
class RulesState(ServiceState):
    catalogue: Catalogue


async def build(runtime: Runtime) -> RulesState:
    """Load the data files into the database (when they changed) and the law into memory."""
    return RulesState(
        runtime=runtime, catalogue=await load_catalogue(runtime.sessionmaker, data_files.load())
    )


rules_state = state_dependency(RulesState)
