"""Table-driven cases, OpenFisca style: each YAML case names a rule (or a
calculation), a date, the input and the expected value, written from the
sources (RULES-REFERENCE.md, the seeds), not from the data files, so a wrong
value in the data makes a case fail.

    - name: CAL 109 the day before the 1394 decree
      rule: cal-109-late-exit-fine
      date: 2015-06-10
      expected: {min: 200000, max: 1000000}
      verified: true                     # optional
    - name: before the law
      rule: cal-109-late-exit-fine
      date: 2011-11-12
      expected: not-in-force
    - name: 40 days late across 1397/04/31
      calculation: late-exit-fine
      input: {due_date: 2018-07-01, exit_date: 2018-08-10}
      expected: {min: 18400000, max: 92000000}
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.calculations import REGISTRY
from rules.catalogue import Catalogue
from rules.exceptions import NotInForce

CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return cases


def _json(value: Any) -> Any:
    """YAML dates to ISO strings, as the calculations' JSON input takes them."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def _normal(value: Any) -> Any:
    """Compare through JSON: Decimals and ints as the API shows them."""
    return yaml.safe_load(yaml.safe_dump(_json(value)))


@pytest.mark.parametrize("case", _cases())
def test_case(catalogue: Catalogue, case: dict[str, Any]) -> None:
    if "rule" in case:
        day = case["date"]
        if case["expected"] == "not-in-force":
            with pytest.raises(NotInForce):
                catalogue.at(case["rule"], day)
            return
        in_force = catalogue.at(case["rule"], day)
        assert _normal(in_force.period.value) == _normal(case["expected"])
        if "verified" in case:
            assert in_force.period.verified is case["verified"]
        return
    calc = REGISTRY[case["calculation"]]
    result = calc.run(catalogue, calc.inputs.model_validate(_json(case.get("input", {}))))
    assert _normal(result.model_dump(mode="json")["result"]) == _normal(case["expected"])
    if "verified" in case:
        assert result.verified is case["verified"]


def test_every_rule_has_cases(catalogue: Catalogue) -> None:
    covered = {case.values[0].get("rule") for case in _cases()}
    missing = sorted(set(catalogue.rules) - covered)
    assert not missing, f"rules without a case: {missing}"
