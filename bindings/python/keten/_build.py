"""build_landscape: a landscape from Python rows, validated by the C++ reader.

The rows become a ``keten.landscape`` document (docs/formats.md) that the C++ core parses and
validates, so an error names the row by its JSON pointer (``/offerings/3/capacity/free_units``).
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, Iterable, List, Mapping, Optional

from keten import _ext

_PARTNER_FIELDS = ("id", "member", "branch", "municipality")
_CAPACITY_FIELDS = (
    "units_per_period", "period_days", "free_units", "typical_duration_days", "intake_wait_days",
)  # fmt: skip


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return type(value).__name__ not in ("NAType", "NaTType")


def _records(rows: Any) -> List[Dict[str, Any]]:
    """Rows as dicts, from a list of mappings or from columns (DataFrame, Table, mapping of lists)."""
    if rows is None:
        return []
    if isinstance(rows, _ext.Table) or isinstance(rows, Mapping) or hasattr(rows, "columns"):
        names = list(rows.columns) if hasattr(rows, "columns") else list(rows)
        columns = {}
        for name in names:
            values = rows[name]
            columns[str(name)] = values.tolist() if hasattr(values, "tolist") else list(values)
        count = len(next(iter(columns.values()))) if columns else 0
        return [{name: columns[name][i] for name in columns} for i in range(count)]
    return [dict(row) for row in rows]


def _offering(row: Mapping[str, Any]) -> Dict[str, Any]:
    """A flat row (the columns of Landscape.offerings()) as a JSON offering; nested rows pass."""
    if "area" in row or "capacity" in row:
        return {k: v for k, v in row.items() if _present(v)}
    out: Dict[str, Any] = {"id": row["id"], "partner": row["partner"]}
    if _present(row.get("name")):
        out["name"] = row["name"]
    categories = row.get("categories")
    out["categories"] = [categories] if isinstance(categories, str) else list(categories or [])
    area: Dict[str, Any] = {}
    if row.get("municipalities"):
        area["municipalities"] = list(row["municipalities"])
    if row.get("postcodes"):
        area["postcodes"] = [str(int(p)) for p in row["postcodes"]]
    if all(_present(row.get(k)) for k in ("radius_lat", "radius_lon", "radius_km")):
        area["radius"] = {"lat": row["radius_lat"], "lon": row["radius_lon"], "km": row["radius_km"]}
    out["area"] = area
    eligibility: Dict[str, Any] = {}
    low: Any = row.get("min_age")
    high: Any = row.get("max_age")
    low = int(low) if _present(low) else 0
    high = int(high) if _present(high) else 130
    if (low, high) != (0, 130):
        eligibility["age"] = {"min": low, "max": high}
    if row.get("households"):
        eligibility["households"] = list(row["households"])
    if row.get("languages"):
        eligibility["languages"] = list(row["languages"])
    if _present(row.get("requires_professional_referrer")) and row["requires_professional_referrer"]:
        eligibility["professional_referrer"] = True
    if eligibility:
        out["eligibility"] = eligibility
    out["capacity"] = {k: int(row[k]) for k in _CAPACITY_FIELDS if _present(row.get(k))}
    return out


def _category(c: Any) -> Dict[str, Any]:
    if isinstance(c, _ext.NeedCategory):
        return {"id": c.id, "help_form": c.help_form.name, "label_nl": c.label_nl,
                "label_en": c.label_en}
    return dict(c)


def build_landscape(
    name: str,
    partners: Any,
    offerings: Any,
    *,
    complementarities: Any = None,
    precedences: Any = None,
    categories: Optional[Iterable[Any]] = None,
    description: Optional[str] = None,
) -> _ext.Landscape:
    """Builds and validates a landscape from rows.

    ``partners`` and ``offerings`` are lists of dicts or tables (a pandas DataFrame, a
    :class:`keten.Table`, a mapping of column to values). Partner rows have ``id``, ``member``,
    ``branch``, ``municipality``. Offering rows are either in the JSON shape of docs/formats.md
    (``area``, ``eligibility``, ``capacity`` nested) or flat, with the columns of
    :meth:`Landscape.offerings` (``categories``, ``municipalities``, ``postcodes``, ``radius_lat``/
    ``radius_lon``/``radius_km``, the capacity fields, ``min_age``/``max_age``, ``households``,
    ``languages``, ``requires_professional_referrer``). ``complementarities`` has ``a``, ``b``,
    ``weight``; ``precedences`` ``before``, ``after``; ``categories`` adds need categories beyond
    the standard ones (NeedCategory objects or dicts with ``id``, ``help_form``, ``label_nl``,
    ``label_en``). So ``build_landscape(l.name, l.partners(), l.offerings(),
    complementarities=l.complementarities(), precedences=l.precedences(), categories=extra)`` gives
    ``l`` back.

    Raises ParseError or ValidationError naming the row by its JSON pointer (e.g.
    ``/offerings/3/capacity/free_units``) and the object id.
    """
    standard = {c.id for c in _ext.standard_categories()}
    doc: Dict[str, Any] = {"format": "keten.landscape", "version": 1, "name": name}
    if description is not None:
        doc["description"] = description
    doc["categories"] = [
        _category(c) for c in (categories or []) if _category(c)["id"] not in standard
    ]
    doc["partners"] = [
        {k: row[k] for k in _PARTNER_FIELDS if _present(row.get(k))} for row in _records(partners)
    ]
    doc["offerings"] = [_offering(row) for row in _records(offerings)]
    doc["complementarity"] = [
        {"a": r["a"], "b": r["b"], "weight": r["weight"]} for r in _records(complementarities)
    ]
    doc["precedence"] = [
        {"before": r["before"], "after": r["after"]} for r in _records(precedences)
    ]
    return _ext.parse_landscape(json.dumps(doc), "<build_landscape>")
