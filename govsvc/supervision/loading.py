"""Load the approval-supervision scenarios (审管联动) from data/supervision/scenarios.yaml."""

from pathlib import Path
from typing import Any

from django.db import transaction

from govsvc.core.datafiles import LINE_KEY, DataFileError, line_of, read_yaml, require
from govsvc.supervision.models import Scenario


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@transaction.atomic
def load_scenarios(path: Path) -> int:
    entries = read_yaml(path) or []
    if isinstance(entries, dict):
        entries = entries.get("scenarios", [])
    for entry in entries:
        number = require(entry, "number", path, int)
        rows = entry.get("rows") or []
        if not rows:
            raise DataFileError(path, line_of(entry), f"场景 {number} 没有审批与监管事项")
        Scenario.objects.update_or_create(
            number=number,
            defaults={
                "name": require(entry, "name", path, str),
                "pilot_districts": _clean(entry.get("pilot_districts") or []),
                "guiding_departments": _clean(entry.get("guiding_departments") or []),
                "rows": _clean(rows),
            },
        )
    return len(entries)
