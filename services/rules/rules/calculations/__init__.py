"""Traced calculations over the rules in force.

Each calculation is a pure function ``(catalogue, inputs, trace) -> Outcome``
with its own input model, registered under the name the API serves it at
(``POST /v1/calculations/{name}``). Every rule value used is recorded in the
trace with its dates and citation; the result is unverified when any is.
Importing this package registers every calculation.
"""

from rules.calculations import car_import, conversion, deadlines, duties, fines, trade
from rules.calculations.base import REGISTRY, Calculation, Outcome, Trace

__all__ = [
    "REGISTRY",
    "Calculation",
    "Outcome",
    "Trace",
    "car_import",
    "conversion",
    "deadlines",
    "duties",
    "fines",
    "trade",
]
