"""Statutory reports (báo cáo định kỳ, DOMAIN §7.1), summed in SQL from the projection.

Three reports: the monthly payment summary per commune and channel, the six-month and annual
report (beneficiaries, flows, money, timeliness) and the next year's budget estimate (dự toán).

Units are 2025 communes and provinces. A payroll line counts for the commune of the payroll that
issued it, seen in 2025 units through the register period of its case that recorded that commune
(so a line of an old commune split in 2025 is placed as its case was resolved, never guessed); a
line whose case has no such period yet is rolled up by its code alone. A case event counts for
the commune the case was registered in when it happened (a move out for the old commune, a move
in for the new one). Events count in the period of their legal date (decision signed, dossier or
repayment received; an overpayment: the cessation or payment result that revealed it), not of
the day they reached reporting.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import psycopg
from psycopg import sql

from contracts.categories import label as category_label
from reference.admin_units import (
    DVHC_2004_3LEVEL,
    DVHC_2025_2LEVEL,
    REORGANISATION_DAY,
    AdminUnits,
)
from reference.date_bounds import DateBounds, DateOutOfRange, date_bounds
from reference.months import add_months
from reference.policy import PolicyBook, PolicyError
from services.reporting import labels
from services.reporting.projections.case_state import Residence, rolled_up
from services.reporting.projections.payments import KINDS, PENDING, RESULTS, Tally

#: Results that mean the money reached the beneficiary; the others are owed again as arrears.
PAID_RESULTS = ("paid_at_point", "paid_at_home")
UNPAID_RESULTS = tuple(r for r in RESULTS if r not in PAID_RESULTS)
#: The first payroll month of the 2025 units: earlier payrolls name communes of the old scheme.
FIRST_2025_MONTH = f"{REORGANISATION_DAY:%Y-%m}"
#: Statuses of a case on the rolls (a suspended beneficiary is still one, paid or not).
ON_THE_ROLLS = ("active", "suspended")
CESSATION_REASONS = tuple(labels.CESSATION_REASONS)
BENEFITS = tuple(labels.BENEFITS)


class InvalidReportQuery(ValueError):
    """A report parameter is not in the form or range the report needs."""


# --- what a report covers ------------------------------------------------------------------


def unit_name(units: AdminUnits, code: str | None) -> str | None:
    """A 2025 unit by name; a commune with its province ("Xã Chợ Đồn, Tỉnh Thái Nguyên")."""
    unit = units.get(DVHC_2025_2LEVEL, code) if code else None
    if unit is None:
        return None
    parent = units.get(DVHC_2025_2LEVEL, unit.parent_code) if unit.parent_code else None
    return f"{unit.name}, {parent.name}" if parent else unit.name


def old_unit_name(units: AdminUnits, code: str) -> str:
    """A unit of the pre-2025 scheme with its parents ("Xã Ngọc Phái, Huyện Chợ Đồn, ...")."""
    names = []
    unit = units.get(DVHC_2004_3LEVEL, code)
    while unit is not None:
        names.append(unit.name)
        unit = units.get(DVHC_2004_3LEVEL, unit.parent_code) if unit.parent_code else None
    return ", ".join(names) or code


def _ancestors(units: Any, code: str) -> list[str]:
    """The district and province codes above an old commune."""
    found = []
    unit = units.get(DVHC_2004_3LEVEL, code)
    while unit is not None and unit.parent_code is not None:
        found.append(unit.parent_code)
        unit = units.get(DVHC_2004_3LEVEL, unit.parent_code)
    return found


def short_unit_name(units: AdminUnits, code: str | None) -> str | None:
    unit = units.get(DVHC_2025_2LEVEL, code) if code else None
    return unit.name if unit else None


@dataclass(frozen=True)
class Scope:
    """The units a report covers: one 2025 commune, one 2025 province, or the whole country;
    or, for months before July 2025, a unit as it was then (`old_communes`: the communes of an
    old commune, district or province, matched against the residence recorded at the time)."""

    #: The administrative units the codes are read against (the deployment's, injected).
    units: AdminUnits = field(compare=False, repr=False)
    commune: str | None = None
    province: str | None = None
    old_unit: str | None = None
    old_communes: tuple[str, ...] = ()

    @classmethod
    def as_was(
        cls,
        *,
        commune: str | None,
        district: str | None,
        province: str | None,
        units: AdminUnits,
    ) -> Scope:
        """A unit of the pre-2025 scheme (DVHC_2004_3LEVEL): one commune, district or province
        as it was up to 30/06/2025."""
        given = [
            (level, code)
            for level, code in (
                ("commune", commune),
                ("district", district),
                ("province", province),
            )
            if code is not None
        ]
        if len(given) != 1:
            raise InvalidReportQuery(
                "with recorded_scheme=DVHC_2004_3LEVEL give one unit as it was: commune (5 digits),"
                " district (3 digits) or province (2 digits)"
            )
        level, code = given[0]
        found = units.get(DVHC_2004_3LEVEL, code)
        if found is None or found.level != level:
            raise InvalidReportQuery(
                f"no {level} {code} among the units in force up to 30/06/2025 (DVHC_2004_3LEVEL)"
            )
        old = tuple(
            sorted(
                u.code
                for u in units.units(DVHC_2004_3LEVEL, "commune")
                if code in _ancestors(units, u.code) or u.code == code
            )
        )
        return cls(units, old_unit=code, old_communes=old)

    @classmethod
    def of(cls, *, commune: str | None, province: str | None, units: AdminUnits) -> Scope:
        """Checked against the 2025 list, with an error that says what to send."""
        if commune is not None and province is not None:
            raise InvalidReportQuery("give commune (5 digits) or province (2 digits), not both")
        if commune is not None:
            if not (len(commune) == 5 and commune.isdigit()):
                raise InvalidReportQuery(
                    f"commune {commune!r} is not a commune code: give the 5-digit 2025 code,"
                    " e.g. 02020"
                )
            found = units.get(DVHC_2025_2LEVEL, commune)
            if found is None or found.level != "commune":
                raise InvalidReportQuery(
                    f"no commune {commune} among the 3,321 communes of 2025: reports use the"
                    " codes in force from 01/07/2025 (older codes are rolled up into them)"
                )
        if province is not None:
            if not (len(province) == 2 and province.isdigit()):
                raise InvalidReportQuery(
                    f"province {province!r} is not a province code: give the 2-digit 2025"
                    " code, e.g. 19"
                )
            found = units.get(DVHC_2025_2LEVEL, province)
            if found is None or found.level != "province":
                raise InvalidReportQuery(
                    f"no province {province} among the 34 provinces of 2025: use a code of the"
                    " 2025 list, e.g. 01 (Hà Nội) or 19 (Thái Nguyên)"
                )
        return cls(units, commune=commune, province=province)

    @property
    def code(self) -> str | None:
        return self.commune or self.province or self.old_unit

    @property
    def name(self) -> str:
        if self.old_unit is not None:
            return (
                f"{old_unit_name(self.units, self.old_unit)} (đơn vị hành chính trước 01/07/2025)"
            )
        return unit_name(self.units, self.code) or self.code or "Toàn quốc"

    def check_period(self, last_day_covered: date) -> None:
        """A unit as it was covers months up to June 2025 only."""
        if self.old_unit is not None and last_day_covered >= REORGANISATION_DAY:
            raise InvalidReportQuery(
                f"units as they were (recorded_scheme=DVHC_2004_3LEVEL) cover months up to"
                f" 06/2025; this report reaches {last_day_covered.isoformat()}: ask by the 2025"
                " units instead"
            )

    def condition(self, alias: str) -> tuple[sql.Composable, list[Any]]:
        """Rows of `alias` (with commune_code and province_code columns, and the residence as
        recorded: residence_scheme, residence_code) in the scope."""
        if self.old_unit is not None:
            return sql.SQL("{} = %s AND {} = ANY(%s)").format(
                sql.Identifier(alias, "residence_scheme"), sql.Identifier(alias, "residence_code")
            ), [DVHC_2004_3LEVEL, list(self.old_communes)]
        if self.commune is not None:
            return sql.SQL("{} = %s").format(sql.Identifier(alias, "commune_code")), [self.commune]
        if self.province is not None:
            return sql.SQL("{} = %s").format(sql.Identifier(alias, "province_code")), [
                self.province
            ]
        return sql.SQL("true"), []

    def recorded_codes(self) -> list[str] | None:
        """Every commune code, of either scheme, a payroll in the scope can name (None: any).
        It only narrows the lines read; the placement decides."""
        if self.code is None:
            return None
        if self.old_unit is not None:
            return list(self.old_communes)
        units = self.units
        if self.commune is not None:
            new = [self.commune]
        else:
            new = [
                u.code
                for u in units.units(DVHC_2025_2LEVEL, "commune")
                if units.province_code(DVHC_2025_2LEVEL, u.code) == self.province
            ]
        codes = set(new)
        for code in new:
            try:
                codes.update(p.code for p in units.predecessors(code))
            except ValueError:
                continue  # a 2025 commune no listed old commune went into
        return sorted(codes)


@dataclass(frozen=True)
class ReportPeriod:
    """A six-month (H1, H2) or annual reporting period: first and last day, both included."""

    code: str
    kind: Literal["H1", "H2", "year"]
    year: int
    start: date
    end: date

    @classmethod
    def parse(cls, text: str, bounds: DateBounds | None = None) -> ReportPeriod:
        year_text, _, half = text.partition("-")
        if not (len(year_text) == 4 and year_text.isdigit()) or half not in ("", "H1", "H2"):
            raise InvalidReportQuery(
                f"period {text!r} is not a reporting period: give YYYY-H1 (January to June),"
                " YYYY-H2 (July to December) or YYYY (the whole year), e.g. 2025-H1"
            )
        year = check_year(int(year_text), "period", bounds)
        if half == "H1":
            return cls(text, "H1", year, date(year, 1, 1), date(year, 6, 30))
        if half == "H2":
            return cls(text, "H2", year, date(year, 7, 1), date(year, 12, 31))
        return cls(text, "year", year, date(year, 1, 1), date(year, 12, 31))

    @property
    def first_month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.end:%Y-%m}"

    @property
    def title(self) -> str:
        """As the official titles name it: "6 THÁNG ĐẦU NĂM 2025", "NĂM 2025"."""
        if self.kind == "H1":
            return f"6 THÁNG ĐẦU NĂM {self.year}"
        if self.kind == "H2":
            return f"6 THÁNG CUỐI NĂM {self.year}"
        return f"NĂM {self.year}"


def check_year(year: int, what: str, bounds: DateBounds | None = None) -> int:
    """A year every day of which the policy tables and the working-day calendar cover."""
    try:
        return (bounds or date_bounds()).year(what, year)
    except DateOutOfRange as error:
        raise InvalidReportQuery(str(error)) from error


def parse_month(text: str, bounds: DateBounds | None = None) -> str:
    """'YYYY-MM' that the policy tables and the calendar cover, or an error saying so."""
    year, _, number = text.partition("-")
    if not (
        len(year) == 4
        and year.isdigit()
        and len(number) == 2
        and number.isdigit()
        and 1 <= int(number) <= 12
    ):
        raise InvalidReportQuery(f"month {text!r} is not a month: give YYYY-MM, e.g. 2025-09")
    try:
        return (bounds or date_bounds()).month("month", text)
    except DateOutOfRange as error:
        raise InvalidReportQuery(str(error)) from error


def a_year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


# --- payroll lines placed on 2025 units ------------------------------------------------------


def _line_filter(
    scope: Scope, condition: sql.Composable, params: list[Any]
) -> tuple[sql.Composable, list[Any]]:
    """`condition` on lines (alias l), narrowed to the communes the scope's payrolls can name."""
    codes = scope.recorded_codes()
    if codes is None:
        return condition, params
    return sql.SQL("({}) AND l.commune = ANY(%s)").format(condition), [*params, codes]


def _fallback(
    conn: psycopg.Connection[Any],
    schema: str,
    where: sql.Composable,
    params: list[Any],
    units: AdminUnits,
) -> list[Any]:
    """The placement by code alone of the communes the lines name, for a line whose case has
    no register period with that commune (yet). Payrolls before July 2025 name old communes."""
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT l.commune, l.payroll_month >= %s AS reorganised FROM {} AS l"
            " WHERE l.commune IS NOT NULL AND ({})"
        ).format(sql.Identifier(schema, "payroll_line"), where),
        [FIRST_2025_MONTH, *params],
    ).fetchall()
    codes: list[str] = []
    reorganised: list[bool] = []
    communes: list[str | None] = []
    provinces: list[str | None] = []
    for row in rows:
        code, new = str(row["commune"]), bool(row["reorganised"])
        in_2025 = new and units.get(DVHC_2025_2LEVEL, code) is not None
        scheme = DVHC_2025_2LEVEL if in_2025 else DVHC_2004_3LEVEL
        place = rolled_up(Residence(scheme, code), units)
        codes.append(code)
        reorganised.append(new)
        communes.append(place.commune_code)
        provinces.append(place.province_code)
    return [codes, reorganised, communes, provinces]


def _placed(
    conn: psycopg.Connection[Any],
    schema: str,
    where: sql.Composable,
    params: list[Any],
    units: AdminUnits,
) -> tuple[sql.Composable, list[Any]]:
    """A `placed` CTE: the lines matching `where` (alias l) with their 2025 commune and
    province, and the benefit and category their case had at the end of the line's month."""
    mapping = _fallback(conn, schema, where, params, units)
    cte = sql.SQL(
        "placed AS (SELECT l.line_id, l.case_id, l.payroll_month, l.channel, l.month, l.amount,"
        " l.kind, l.result, l.settled_on, l.commune AS recorded_commune,"
        " l.commune AS residence_code, CASE WHEN l.payroll_month >= {first_2025}"
        " THEN 'DVHC_2025_2LEVEL' ELSE 'DVHC_2004_3LEVEL' END AS residence_scheme,"
        " CASE WHEN p.case_id IS NOT NULL THEN p.commune_code ELSE m.commune_code END"
        " AS commune_code,"
        " CASE WHEN p.case_id IS NOT NULL THEN p.province_code ELSE m.province_code END"
        " AS province_code,"
        " p.benefit, p.category"
        " FROM {lines} AS l"
        " CROSS JOIN LATERAL (SELECT (to_date(l.month, 'YYYY-MM') + interval '1 month'"
        " - interval '1 day')::date AS month_end) AS e"
        " LEFT JOIN LATERAL (SELECT q.case_id, q.commune_code, q.province_code, q.benefit,"
        " q.category FROM {periods} AS q"
        " WHERE q.case_id = l.case_id AND q.residence_code = l.commune"
        " ORDER BY q.valid_from > e.month_end, abs(q.valid_from - e.month_end) LIMIT 1) AS p ON true"
        " LEFT JOIN unnest(%s::text[], %s::boolean[], %s::text[], %s::text[])"
        " AS m(code, reorganised, commune_code, province_code)"
        " ON m.code = l.commune AND m.reorganised = (l.payroll_month >= %s)"
        " WHERE ({where}))"
    ).format(
        lines=sql.Identifier(schema, "payroll_line"),
        periods=sql.Identifier(schema, "register_period"),
        first_2025=sql.Literal(FIRST_2025_MONTH),
        where=where,
    )
    return cte, [*mapping, FIRST_2025_MONTH, *params]


# --- monthly payment summary -----------------------------------------------------------------


@dataclass(kw_only=True)
class PaymentTotals:
    """Payroll lines and their amounts (VND), by kind and by the result reported."""

    lines: int = 0
    beneficiaries: int = 0
    amount: int = 0
    paid: Tally = field(default_factory=Tally)
    unpaid: Tally = field(default_factory=Tally)
    pending: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    by_result: dict[str, Tally] = field(
        default_factory=lambda: {r: Tally() for r in (*RESULTS, PENDING)}
    )

    def add(self, kind: str, result: str | None, lines: int, amount: int) -> None:
        self.lines += lines
        self.amount += amount
        self.by_kind.setdefault(kind, Tally()).add(lines, amount)
        self.by_result.setdefault(result or PENDING, Tally()).add(lines, amount)
        if result in PAID_RESULTS:
            self.paid.add(lines, amount)
        elif result is None:
            self.pending.add(lines, amount)
        else:
            self.unpaid.add(lines, amount)


@dataclass(kw_only=True)
class PaymentRow(PaymentTotals):
    """One commune and channel of the month: lines not placed on a 2025 commune (an old
    commune split in 2025 and not resolved for the case) have commune_code None."""

    province_code: str | None
    province_name: str | None
    commune_code: str | None
    commune_name: str | None
    channel: str | None


@dataclass
class MonthlyPayments:
    month: str
    unit_code: str | None
    unit_name: str
    rows: list[PaymentRow]
    total: PaymentTotals


def monthly_payments(
    conn: psycopg.Connection[Any], schema: str, *, month: str, scope: Scope
) -> MonthlyPayments:
    """Every line the payrolls of `month` issued in the scope (arrears of earlier months
    included, under the payroll month that carried them), per 2025 commune and channel."""
    where, params = _line_filter(scope, sql.SQL("l.payroll_month = %s"), [month])
    cte, cte_params = _placed(conn, schema, where, params, scope.units)
    in_scope, scope_params = scope.condition("placed")
    tallies = conn.execute(
        sql.SQL(
            "WITH {} SELECT province_code, commune_code, channel, kind, result,"
            " count(*) AS lines, sum(amount)::bigint AS amount FROM placed WHERE {}"
            " GROUP BY 1, 2, 3, 4, 5"
        ).format(cte, in_scope),
        [*cte_params, *scope_params],
    ).fetchall()
    people = conn.execute(
        sql.SQL(
            "WITH {} SELECT province_code, commune_code, channel,"
            " grouping(province_code, commune_code, channel) AS overall,"
            " count(DISTINCT case_id) AS n FROM placed WHERE {}"
            " GROUP BY GROUPING SETS ((province_code, commune_code, channel), ())"
        ).format(cte, in_scope),
        [*cte_params, *scope_params],
    ).fetchall()
    rows: dict[tuple[str | None, str | None, str | None], PaymentRow] = {}
    total = PaymentTotals()
    for found in tallies:
        key = (found["province_code"], found["commune_code"], found["channel"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = PaymentRow(
                province_code=key[0],
                province_name=short_unit_name(scope.units, key[0]),
                commune_code=key[1],
                commune_name=short_unit_name(scope.units, key[1]),
                channel=key[2],
            )
        lines, amount = int(found["lines"]), int(found["amount"])
        row.add(found["kind"], found["result"], lines, amount)
        total.add(found["kind"], found["result"], lines, amount)
    for found in people:
        if found["overall"]:
            total.beneficiaries = int(found["n"])
            continue
        key = (found["province_code"], found["commune_code"], found["channel"])
        if key in rows:
            rows[key].beneficiaries = int(found["n"])
    ordered = sorted(
        rows.values(),
        key=lambda r: (r.province_code or "~", r.commune_code or "~", r.channel or "~"),
    )
    return MonthlyPayments(
        month=month, unit_code=scope.code, unit_name=scope.name, rows=ordered, total=total
    )


# --- case events in a period -----------------------------------------------------------------

#: The legal date of each kind of event, where its payload has one (else: the day recorded).
_LEGAL_DATE = {
    "dossier_received": "received_on",
    "complaint_received": "received_on",
    "complaint_concluded": "concluded_on",
    "entitlement_suspended": "decided_on",
    "suspension_lifted": "decided_on",
    "repayment_received": "received_on",
    "case_became_overdue": "detected_on",
    "case_withdrawn": "withdrawn_on",
    "dossier_withdrawn": "withdrawn_on",
}


def _events(
    schema: str, kinds: Iterable[str], start: date, end: date
) -> tuple[sql.Composable, list[Any]]:
    """A `scoped` CTE: the events of `kinds` whose legal date is in [start, end], each with the
    2025 commune and province, benefit and category of its case when it happened."""
    dates = sql.SQL(" ").join(
        sql.SQL("WHEN {} THEN h.data ->> {}").format(sql.Literal(kind), sql.Literal(key))
        for kind, key in _LEGAL_DATE.items()
    )
    cte = sql.SQL(
        "dated AS (SELECT h.case_id, split_part(h.type, '.', 4) AS kind, h.data,"
        " coalesce((CASE split_part(h.type, '.', 4) {dates}"
        " WHEN 'overpayment_detected' THEN cause.on ELSE h.data ->> 'signed_on' END)::date,"
        " (h.recorded_at AT TIME ZONE 'UTC' + interval '7 hours')::date) AS counted_on"
        " FROM {history} AS h"
        # An overpayment comes to light with the cessation or the payment result just before
        # it on the same stream: it counts on that decision's or result's date.
        " LEFT JOIN LATERAL (SELECT coalesce(c.data ->> 'signed_on', c.data ->> 'settled_on')"
        " AS on FROM {history} AS c WHERE split_part(h.type, '.', 4) = 'overpayment_detected'"
        " AND c.source = h.source AND c.originator_id = h.originator_id"
        " AND c.version < h.version ORDER BY c.version DESC LIMIT 1) AS cause ON true"
        " WHERE split_part(h.type, '.', 4) = ANY(%s)),"
        " within AS (SELECT d.*, CASE d.kind"
        " WHEN 'beneficiary_moved_out'"
        " THEN least(d.counted_on, to_date(d.data ->> 'from_month', 'YYYY-MM') - 1)"
        " WHEN 'beneficiary_moved_in'"
        " THEN greatest(d.counted_on, to_date(d.data ->> 'from_month', 'YYYY-MM'))"
        " ELSE d.counted_on END AS scoped_on"
        " FROM dated AS d WHERE d.counted_on BETWEEN %s AND %s),"
        " scoped AS (SELECT w.*, p.commune_code, p.province_code, p.benefit AS case_benefit,"
        " p.category AS case_category, p.residence_scheme, p.residence_code FROM within AS w"
        " LEFT JOIN LATERAL (SELECT q.commune_code, q.province_code, q.benefit, q.category,"
        " q.residence_scheme, q.residence_code"
        " FROM {periods} AS q WHERE q.case_id = w.case_id"
        " ORDER BY q.valid_from > w.scoped_on, abs(q.valid_from - w.scoped_on) LIMIT 1)"
        " AS p ON true)"
    ).format(
        dates=dates,
        history=sql.Identifier(schema, "case_history"),
        periods=sql.Identifier(schema, "register_period"),
    )
    return cte, [sorted(kinds), start, end]


# --- six-month and annual report -------------------------------------------------------------


@dataclass(kw_only=True)
class Headcount:
    """Beneficiaries on the rolls (caregiver households included): at the end of the day
    before the period (opening) and on its last day (closing = active + suspended)."""

    opening: int = 0
    closing: int = 0
    active: int = 0
    suspended: int = 0
    #: Allowances paid per unit (per child raised, per person cared for) count each unit.
    units: int = 0

    def on_the_rolls(self, status: str, n: int, units: int) -> None:
        if status == "active":
            self.active += n
        else:
            self.suspended += n
        self.closing += n
        self.units += units

    def add(self, other: Headcount) -> None:
        self.opening += other.opening
        self.closing += other.closing
        self.active += other.active
        self.suspended += other.suspended
        self.units += other.units


@dataclass(kw_only=True)
class CategoryHeadcount(Headcount):
    benefit: str | None
    benefit_label: str | None
    category: str | None
    category_label: str | None
    coefficient: str | None


@dataclass
class Beneficiaries:
    """Beneficiaries by benefit, category and coefficient; care support counts households and
    persons taking someone in (DOMAIN §2.3: reports count them as beneficiaries)."""

    opening_on: date
    closing_on: date
    rows: list[CategoryHeadcount]
    by_benefit: dict[str, CategoryHeadcount]
    total: CategoryHeadcount


def _headcounts(
    conn: psycopg.Connection[Any], schema: str, on: date, scope: Scope
) -> list[dict[str, Any]]:
    in_scope, params = scope.condition("p")
    return conn.execute(
        sql.SQL(
            "SELECT p.benefit, p.category, p.coefficient, p.status, count(*) AS n,"
            " sum(coalesce((p.categories_held ->> p.category)::int, 1))::bigint AS units"
            " FROM {} AS p WHERE p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to > %s)"
            " AND p.status = ANY(%s) AND {} GROUP BY 1, 2, 3, 4"
        ).format(sql.Identifier(schema, "register_period"), in_scope),
        [on, on, list(ON_THE_ROLLS), *params],
    ).fetchall()


def _labels(benefit: str | None, category: str | None) -> dict[str, Any]:
    """A row's benefit and category, with the Vietnamese names officials read."""
    return {
        "benefit": benefit,
        "benefit_label": labels.BENEFITS.get(benefit, benefit) if benefit else None,
        "category": category,
        "category_label": category_label(category) if category else None,
    }


def beneficiaries(
    conn: psycopg.Connection[Any], schema: str, *, period: ReportPeriod, scope: Scope
) -> Beneficiaries:
    opening_on = period.start - timedelta(days=1)
    rows: dict[tuple[str | None, str | None, str | None], CategoryHeadcount] = {}

    def row(found: Mapping[str, Any]) -> CategoryHeadcount:
        key = (found["benefit"], found["category"], found["coefficient"])
        if key not in rows:
            rows[key] = CategoryHeadcount(**_labels(key[0], key[1]), coefficient=key[2])
        return rows[key]

    for found in _headcounts(conn, schema, opening_on, scope):
        row(found).opening += int(found["n"])
    for found in _headcounts(conn, schema, period.end, scope):
        row(found).on_the_rolls(found["status"], int(found["n"]), int(found["units"]))
    ordered = sorted(
        rows.values(),
        key=lambda r: (_benefit_order(r.benefit), r.category or "~", r.coefficient or ""),
    )
    by_benefit = {
        benefit: CategoryHeadcount(**_labels(benefit, None), coefficient=None)
        for benefit in BENEFITS
    }
    total = CategoryHeadcount(**_labels(None, None), coefficient=None)
    for counted in ordered:
        if counted.benefit in by_benefit:
            by_benefit[counted.benefit].add(counted)
        total.add(counted)
    return Beneficiaries(opening_on, period.end, ordered, by_benefit, total)


def _benefit_order(benefit: str | None) -> int:
    return BENEFITS.index(benefit) if benefit in BENEFITS else len(BENEFITS)


@dataclass(kw_only=True)
class FlowCounts:
    """Decisions of the period that moved people onto, off or within the rolls."""

    new_grants: int = 0
    moved_in: int = 0
    ceased: int = 0
    ceased_by_reason: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(CESSATION_REASONS, 0)
    )
    moved_out: int = 0
    adjusted: int = 0
    suspended: int = 0
    resumed: int = 0

    def add(self, kind: str, key: str | None, n: int) -> None:
        if kind == "case_approved":
            self.new_grants += n
        elif kind == "beneficiary_moved_in":
            self.moved_in += n
        elif kind == "beneficiary_moved_out":
            self.moved_out += n
        elif kind == "entitlement_ceased":
            self.ceased += n
            reason = key or "unknown"
            self.ceased_by_reason[reason] = self.ceased_by_reason.get(reason, 0) + n
        elif kind == "entitlement_adjusted":
            self.adjusted += n
        elif kind == "entitlement_suspended":
            self.suspended += n
        elif kind == "suspension_lifted":
            self.resumed += n


@dataclass(kw_only=True)
class CategoryFlows(FlowCounts):
    benefit: str | None
    benefit_label: str | None
    category: str | None
    category_label: str | None


@dataclass(kw_only=True)
class Amount:
    """How many decisions or receipts, and their sum (VND)."""

    count: int = 0
    amount: int = 0

    def add(self, count: int, amount: int) -> None:
        self.count += count
        self.amount += amount


@dataclass(kw_only=True)
class CategoryMoney:
    """Money of the period: paid = lines the post office or bank reported paid with a
    settlement date in the period; unpaid = reported not collected or failed in the period;
    issued = lines of the payrolls of the period's months."""

    benefit: str | None
    benefit_label: str | None
    category: str | None
    category_label: str | None
    current_paid: int = 0
    arrears_paid: int = 0
    funeral_support_paid: int = 0
    paid: int = 0
    paid_lines: int = 0
    unpaid: int = 0
    issued: int = 0

    def add(self, kind: str, paid_lines: int, paid: int, unpaid: int, issued: int) -> None:
        if kind == "arrears":
            self.arrears_paid += paid
        elif kind == "funeral_support":
            self.funeral_support_paid += paid
        else:
            self.current_paid += paid
        self.paid += paid
        self.paid_lines += paid_lines
        self.unpaid += unpaid
        self.issued += issued


@dataclass
class Money:
    rows: list[CategoryMoney]
    by_benefit: dict[str, CategoryMoney]
    total: CategoryMoney
    #: Care support paid (hỗ trợ kinh phí chăm sóc, nuôi dưỡng): current and arrears lines.
    care_support_paid: int
    overpayments_detected: Amount
    recovery_decided: Amount
    recovered: Amount
    waived: Amount
    funeral_support_decided: Amount


@dataclass(kw_only=True)
class OnTime:
    """Decisions (or conclusions) against their statutory deadline."""

    total: int = 0
    on_time: int = 0
    late: int = 0
    #: Recorded before events said whether they were on time (older schema versions).
    unknown: int = 0

    def add(self, flag: str | None, n: int) -> None:
        self.total += n
        if flag == "true":
            self.on_time += n
        elif flag == "false":
            self.late += n
        else:
            self.unknown += n


@dataclass
class Timeliness:
    """Decisions signed in the period against their statutory deadline, and complaints."""

    dossiers_received: int
    approvals: OnTime
    rejections: OnTime
    decisions: OnTime
    rejection_reasons: dict[str, int]
    withdrawals: int
    complaints_received: int
    complaints_concluded: OnTime
    complaints_upheld: int
    overdue_steps: int


@dataclass
class PeriodReport:
    period: str
    start: date
    end: date
    title: str
    unit_code: str | None
    unit_name: str
    beneficiaries: Beneficiaries
    flows: list[CategoryFlows]
    flows_total: CategoryFlows
    money: Money
    timeliness: Timeliness


PERIOD_EVENT_KINDS = (
    "dossier_received",
    "dossier_withdrawn",
    "case_withdrawn",
    "case_approved",
    "case_rejected",
    "case_became_overdue",
    "complaint_received",
    "complaint_concluded",
    "entitlement_adjusted",
    "entitlement_suspended",
    "suspension_lifted",
    "entitlement_ceased",
    "beneficiary_moved_out",
    "beneficiary_moved_in",
    "overpayment_detected",
    "recovery_decided",
    "recovery_waived",
    "repayment_received",
    "funeral_support_decided",
)


def _event_tallies(
    conn: psycopg.Connection[Any], schema: str, *, period: ReportPeriod, scope: Scope
) -> list[dict[str, Any]]:
    """Counts and sums of the period's events by kind, benefit, category and their key."""
    cte, params = _events(schema, PERIOD_EVENT_KINDS, period.start, period.end)
    in_scope, scope_params = scope.condition("scoped")
    return conn.execute(
        sql.SQL(
            "WITH {} SELECT kind,"
            " CASE WHEN kind = 'case_approved' THEN data ->> 'benefit' ELSE case_benefit END"
            " AS benefit,"
            " CASE WHEN kind = 'case_approved' THEN data ->> 'category' ELSE case_category END"
            " AS category,"
            " CASE kind WHEN 'entitlement_ceased' THEN data ->> 'reason'"
            " WHEN 'entitlement_suspended' THEN data ->> 'ground'"
            " WHEN 'complaint_concluded' THEN data ->> 'outcome'"
            " WHEN 'case_rejected' THEN (data -> 'reasons')::text END AS key,"
            " data ->> 'on_time' AS on_time, count(*) AS n,"
            " coalesce(sum((data ->> 'amount')::bigint), 0)::bigint AS amount"
            " FROM scoped WHERE {} GROUP BY 1, 2, 3, 4, 5"
        ).format(cte, in_scope),
        [*params, *scope_params],
    ).fetchall()


def _line_tallies(
    conn: psycopg.Connection[Any], schema: str, *, period: ReportPeriod, scope: Scope
) -> list[dict[str, Any]]:
    where, params = _line_filter(
        scope,
        sql.SQL("l.settled_on BETWEEN %s AND %s OR l.payroll_month BETWEEN %s AND %s"),
        [period.start, period.end, period.first_month, period.last_month],
    )
    cte, cte_params = _placed(conn, schema, where, params, scope.units)
    in_scope, scope_params = scope.condition("placed")
    settled = sql.SQL("settled_on BETWEEN %s AND %s AND result = ANY(%s)")
    return conn.execute(
        sql.SQL(
            "WITH {cte} SELECT benefit, category, kind,"
            " count(*) FILTER (WHERE {settled}) AS paid_lines,"
            " coalesce(sum(amount) FILTER (WHERE {settled}), 0)::bigint AS paid,"
            " coalesce(sum(amount) FILTER (WHERE {settled}), 0)::bigint AS unpaid,"
            " coalesce(sum(amount) FILTER (WHERE payroll_month BETWEEN %s AND %s), 0)::bigint"
            " AS issued FROM placed WHERE {scope} GROUP BY 1, 2, 3"
        ).format(cte=cte, settled=settled, scope=in_scope),
        [
            *cte_params,
            period.start,
            period.end,
            list(PAID_RESULTS),
            period.start,
            period.end,
            list(PAID_RESULTS),
            period.start,
            period.end,
            list(UNPAID_RESULTS),
            period.first_month,
            period.last_month,
            *scope_params,
        ],
    ).fetchall()


def period_report(
    conn: psycopg.Connection[Any], schema: str, *, period: ReportPeriod, scope: Scope
) -> PeriodReport:
    """The six-month or annual report (DOMAIN §7.1) of a commune, a province or the country."""
    flows: dict[tuple[str | None, str | None], CategoryFlows] = {}
    flows_total = CategoryFlows(**_labels(None, None))
    events: dict[str, Amount] = defaultdict(Amount)
    approvals, rejections, complaints = OnTime(), OnTime(), OnTime()
    reasons: Counter[str] = Counter()
    upheld = 0
    for found in _event_tallies(conn, schema, period=period, scope=scope):
        kind, n, amount = found["kind"], int(found["n"]), int(found["amount"])
        events[kind].add(n, amount)
        key = (found["benefit"], found["category"])
        if kind in _FLOW_KINDS:
            if key not in flows:
                flows[key] = CategoryFlows(**_labels(*key))
            flows[key].add(kind, found["key"], n)
            flows_total.add(kind, found["key"], n)
        if kind == "case_approved":
            approvals.add(found["on_time"], n)
        elif kind == "case_rejected":
            rejections.add(found["on_time"], n)
            for reason in json.loads(found["key"] or "[]"):
                reasons[str(reason)] += n
        elif kind == "complaint_concluded":
            complaints.add(found["on_time"], n)
            upheld += n if found["key"] == "upheld" else 0
    decisions = OnTime(
        total=approvals.total + rejections.total,
        on_time=approvals.on_time + rejections.on_time,
        late=approvals.late + rejections.late,
        unknown=approvals.unknown + rejections.unknown,
    )
    timeliness = Timeliness(
        dossiers_received=events["dossier_received"].count,
        approvals=approvals,
        rejections=rejections,
        decisions=decisions,
        rejection_reasons=dict(reasons.most_common()),
        withdrawals=events["dossier_withdrawn"].count + events["case_withdrawn"].count,
        complaints_received=events["complaint_received"].count,
        complaints_concluded=complaints,
        complaints_upheld=upheld,
        overdue_steps=events["case_became_overdue"].count,
    )
    return PeriodReport(
        period=period.code,
        start=period.start,
        end=period.end,
        title=period.title,
        unit_code=scope.code,
        unit_name=scope.name,
        beneficiaries=beneficiaries(conn, schema, period=period, scope=scope),
        flows=sorted(flows.values(), key=_category_order),
        flows_total=flows_total,
        money=_money(conn, schema, period=period, scope=scope, events=events),
        timeliness=timeliness,
    )


_FLOW_KINDS = frozenset(
    {
        "case_approved",
        "beneficiary_moved_in",
        "beneficiary_moved_out",
        "entitlement_ceased",
        "entitlement_adjusted",
        "entitlement_suspended",
        "suspension_lifted",
    }
)


def _category_order(row: Any) -> tuple[int, str]:
    return (_benefit_order(row.benefit), row.category or "~")


def _money(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    period: ReportPeriod,
    scope: Scope,
    events: Mapping[str, Amount],
) -> Money:
    rows: dict[tuple[str | None, str | None], CategoryMoney] = {}
    by_benefit = {b: CategoryMoney(**_labels(b, None)) for b in BENEFITS}
    total = CategoryMoney(**_labels(None, None))
    for found in _line_tallies(conn, schema, period=period, scope=scope):
        key = (found["benefit"], found["category"])
        if key not in rows:
            rows[key] = CategoryMoney(**_labels(*key))
        values = (
            found["kind"],
            int(found["paid_lines"]),
            int(found["paid"]),
            int(found["unpaid"]),
            int(found["issued"]),
        )
        rows[key].add(*values)
        total.add(*values)
        if found["benefit"] in by_benefit:
            by_benefit[found["benefit"]].add(*values)
    care = by_benefit["care_support"]

    def tally(kind: str) -> Amount:
        found = events.get(kind)
        return Amount(count=found.count, amount=found.amount) if found else Amount()

    return Money(
        rows=sorted(rows.values(), key=_category_order),
        by_benefit=by_benefit,
        total=total,
        care_support_paid=care.current_paid + care.arrears_paid,
        overpayments_detected=tally("overpayment_detected"),
        recovery_decided=tally("recovery_decided"),
        recovered=tally("repayment_received"),
        waived=tally("recovery_waived"),
        funeral_support_decided=tally("funeral_support_decided"),
    )


# --- budget estimate -------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetParameters:
    """The estimate's assumptions that are not law [U]: defaults come from settings."""

    new_grant_months: Decimal
    new_grant_growth: Decimal
    funeral_multiple: int
    include_suspended: bool


@dataclass(kw_only=True)
class BudgetRow:
    benefit: str | None
    benefit_label: str | None
    category: str | None
    category_label: str | None
    coefficient: str | None
    beneficiaries: int = 0
    #: The monthly amount in January of the budget year (of the first unit valued, if several).
    monthly_amount: int | None = None
    annual_amount: int = 0


@dataclass
class Assumption:
    key: str
    label: str
    value: str
    source: str
    #: S: supported by a public source; M: known but not re-verified; U: uncertain (DOMAIN §0).
    confidence: str
    parameter: str | None


@dataclass
class BudgetEstimate:
    year: int
    as_of: date
    window_start: date
    unit_code: str | None
    unit_name: str
    existing: list[BudgetRow]
    existing_total: int
    existing_beneficiaries: int
    suspended_not_counted: int
    new_grants: list[BudgetRow]
    new_grants_counted: int
    new_grants_total: int
    deaths_counted: int
    funeral_total: int
    arrears_lines: int
    arrears_total: int
    total: int
    standard_levels: list[dict[str, Any]]
    assumptions: list[Assumption]
    not_valued: list[str]


def _vnd(value: Decimal) -> int:
    """Whole đồng, half up: the estimate's fractions (6.5 months) end here, once per row."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def budget_estimate(
    conn: psycopg.Connection[Any],
    schema: str,
    *,
    year: int,
    as_of: date,
    scope: Scope,
    parameters: BudgetParameters,
    policy: PolicyBook,
) -> BudgetEstimate:
    """Next year's need (DOMAIN §7.1): Σ(beneficiaries on the rolls at `as_of` × the standard
    level in force in each month of `year` × coefficient) + expected new grants + funeral
    support + arrears, each assumption stated with its source."""
    window_start = a_year_before(as_of) + timedelta(days=1)
    months = [date(year, number, 1) for number in range(1, 13)]
    mid_year = date(year, 7, 1)
    not_valued: list[str] = []
    levels: dict[str | None, set[tuple[date, int, str]]] = defaultdict(set)

    def policy_on(province: str | None, on: date) -> Any:
        in_force = policy.in_force(province, on)
        levels[province].add((on, in_force.standard_level, in_force.level_version))
        return in_force

    # 1. Beneficiaries on the rolls at the reference date, valued month by month.
    statuses = ["active", "suspended"] if parameters.include_suspended else ["active"]
    in_scope, scope_params = scope.condition("p")
    existing: dict[tuple[str | None, str | None, str | None], BudgetRow] = {}
    suspended = 0
    for found in conn.execute(
        sql.SQL(
            "SELECT p.province_code, p.benefit, p.category, p.coefficient, p.status,"
            " p.categories_held, count(*) AS n FROM {} AS p WHERE p.valid_from <= %s"
            " AND (p.valid_to IS NULL OR p.valid_to > %s) AND p.status = ANY(%s) AND {}"
            " GROUP BY 1, 2, 3, 4, 5, 6"
        ).format(sql.Identifier(schema, "register_period"), in_scope),
        [as_of, as_of, list(ON_THE_ROLLS), *scope_params],
    ).fetchall():
        n = int(found["n"])
        if found["status"] not in statuses:
            suspended += n
            continue
        key = (found["benefit"], found["category"], found["coefficient"])
        row = existing.setdefault(key, BudgetRow(**_labels(key[0], key[1]), coefficient=key[2]))
        held = {str(c): int(u) for c, u in (found["categories_held"] or {}).items()}
        try:
            amounts = [
                policy_on(found["province_code"], month).amount(held).monthly_amount
                for month in months
            ]
        except PolicyError as error:
            not_valued.append(f"{n} × {found['category']} (tỉnh {found['province_code']}): {error}")
            row.beneficiaries += n
            continue
        row.beneficiaries += n
        row.monthly_amount = row.monthly_amount or amounts[0]
        row.annual_amount += n * sum(amounts)

    # 2. New grants: as many as were approved in the last 12 months, from mid-year on average.
    cte, params = _events(schema, ("case_approved", "entitlement_ceased"), window_start, as_of)
    in_scope, scope_params = scope.condition("scoped")
    rows = conn.execute(
        sql.SQL(
            "WITH {} SELECT kind, province_code, data ->> 'benefit' AS benefit,"
            " data ->> 'category' AS category, data -> 'categories_held' AS held,"
            " data ->> 'coefficient' AS coefficient, count(*) AS n FROM scoped"
            " WHERE {} AND (kind = 'case_approved' OR data ->> 'reason' = 'death')"
            " GROUP BY 1, 2, 3, 4, 5, 6"
        ).format(cte, in_scope),
        [*params, *scope_params],
    ).fetchall()
    grants: dict[tuple[str | None, str | None, str | None], BudgetRow] = {}
    counted = deaths = 0
    funeral = Decimal(0)
    for found in rows:
        n = int(found["n"])
        if found["kind"] == "entitlement_ceased":
            deaths += n
            try:
                level = policy_on(found["province_code"], mid_year).standard_level
            except PolicyError as error:
                not_valued.append(f"{n} hỗ trợ mai táng (tỉnh {found['province_code']}): {error}")
                continue
            funeral += Decimal(n * parameters.funeral_multiple * level)
            continue
        counted += n
        key = (found["benefit"], found["category"], found["coefficient"])
        row = grants.setdefault(key, BudgetRow(**_labels(key[0], key[1]), coefficient=key[2]))
        row.beneficiaries += n
        held = {str(c): 1 for c in (found["held"] or [found["category"]]) if c}
        try:
            monthly = policy_on(found["province_code"], mid_year).amount(held).monthly_amount
        except PolicyError as error:
            not_valued.append(
                f"{n} × {found['category']} mới (tỉnh {found['province_code']}): {error}"
            )
            continue
        row.monthly_amount = row.monthly_amount or monthly
        row.annual_amount += _vnd(
            Decimal(monthly) * n * parameters.new_grant_months * parameters.new_grant_growth
        )

    # 3. Arrears: as much as the payrolls of the last 12 months carried.
    first_month = add_months(f"{as_of:%Y-%m}", -11)
    where, line_params = _line_filter(
        scope,
        sql.SQL("l.kind = 'arrears' AND l.payroll_month BETWEEN %s AND %s"),
        [first_month, f"{as_of:%Y-%m}"],
    )
    placed, placed_params = _placed(conn, schema, where, line_params, scope.units)
    in_scope, scope_params = scope.condition("placed")
    arrears = conn.execute(
        sql.SQL(
            "WITH {} SELECT count(*) AS lines, coalesce(sum(amount), 0)::bigint AS amount"
            " FROM placed WHERE {}"
        ).format(placed, in_scope),
        [*placed_params, *scope_params],
    ).fetchone()
    arrears_lines = int(arrears["lines"]) if arrears else 0
    arrears_total = int(arrears["amount"]) if arrears else 0

    existing_rows = sorted(existing.values(), key=_category_order)
    grant_rows = sorted(grants.values(), key=_category_order)
    existing_total = sum(r.annual_amount for r in existing_rows)
    grants_total = sum(r.annual_amount for r in grant_rows)
    funeral_total = _vnd(funeral)
    return BudgetEstimate(
        year=year,
        as_of=as_of,
        window_start=window_start,
        unit_code=scope.code,
        unit_name=scope.name,
        existing=existing_rows,
        existing_total=existing_total,
        existing_beneficiaries=sum(r.beneficiaries for r in existing_rows),
        suspended_not_counted=suspended,
        new_grants=grant_rows,
        new_grants_counted=counted,
        new_grants_total=grants_total,
        deaths_counted=deaths,
        funeral_total=funeral_total,
        arrears_lines=arrears_lines,
        arrears_total=arrears_total,
        total=existing_total + grants_total + funeral_total + arrears_total,
        standard_levels=[
            {"province": province, "from": on, "standard_level": level, "version": version}
            for province, found in sorted(levels.items(), key=lambda item: item[0] or "")
            for on, level, version in _changes(found)
        ],
        assumptions=_assumptions(
            as_of, window_start, first_month, parameters, _standard_level(year, levels, policy)
        ),
        not_valued=not_valued,
    )


def _changes(levels: Iterable[tuple[date, int, str]]) -> list[tuple[date, int, str]]:
    """The levels used, from the first month each applied (one entry per change)."""
    changes: list[tuple[date, int, str]] = []
    for on, level, version in sorted(levels):
        if not changes or changes[-1][1:] != (level, version):
            changes.append((on, level, version))
    return changes


_CONFIDENCE = ("S", "M", "U")


def _standard_level(
    year: int, levels: Mapping[str | None, set[tuple[date, int, str]]], policy: PolicyBook
) -> Assumption:
    """The standard levels the estimate used, each from the month it applied, and the
    confidence of the least certain (a provincial level whose date is unconfirmed is [U])."""
    used = [
        (province, on, level, version)
        for province, found in sorted(levels.items(), key=lambda item: item[0] or "")
        for on, level, version in _changes(found)
    ]
    if not used:
        try:
            national = policy.in_force(None, date(year, 1, 1))
            used = [(None, date(year, 1, 1), national.standard_level, national.level_version)]
        except PolicyError:
            used = []
    confidences = []
    for province, _, _, version in used:
        provincial = policy.provinces.get(province or "")
        known = (*policy.national_levels, *(provincial.standard_levels if provincial else ()))
        confidences += [lvl.confidence for lvl in known if lvl.version in version.split("+")]
    worst = max(confidences, key=lambda c: _CONFIDENCE.index(c) if c in _CONFIDENCE else 2)
    return Assumption(
        "standard_level",
        "Mức chuẩn trợ giúp xã hội áp dụng từng tháng của năm dự toán (tỉnh cao hơn thì theo tỉnh)",
        "; ".join(
            f"{'tỉnh ' + province if province else 'toàn quốc'}: {level} đồng ({version})"
            f" từ {on:%m/%Y}"
            for province, on, level, version in used
        )
        or "?",
        "Bảng chính sách có hiệu lực theo ngày (reference/policy_data), mức của tỉnh nếu có",
        worst if confidences else "U",
        None,
    )


def _assumptions(
    as_of: date,
    window_start: date,
    first_month: str,
    parameters: BudgetParameters,
    standard: Assumption,
) -> list[Assumption]:
    window = f"{window_start:%d/%m/%Y} – {as_of:%d/%m/%Y}"
    return [
        Assumption(
            "reference_date",
            "Đối tượng đang hưởng tại ngày tham chiếu, giữ nguyên cả năm",
            as_of.isoformat(),
            "Sổ theo dõi đối tượng (register periods) tại ngày tham chiếu",
            "S",
            "as_of",
        ),
        standard,
        Assumption(
            "no_changes_during_year",
            "Không tính thay đổi đối tượng trong năm (đổi hệ số theo tuổi, thôi hưởng)",
            "không tính",
            "Chưa có dự báo biến động; đối tượng mới tính riêng (mục B)",
            "U",
            None,
        ),
        Assumption(
            "include_suspended",
            "Đối tượng đang tạm dừng chi trả được tính vào dự toán",
            "có" if parameters.include_suspended else "không",
            "Chưa có quy định; tạm dừng có thể được tiếp tục chi trả (TT 02/2021 Đ2 K3)",
            "U",
            "include_suspended",
        ),
        Assumption(
            "new_grants",
            "Số đối tượng mới bằng số quyết định hưởng trong 12 tháng trước × hệ số tăng",
            f"quyết định ký {window} × {parameters.new_grant_growth}",
            "Quyết định trợ cấp (case_approved) trong sổ lịch sử hồ sơ",
            "U",
            "new_grant_growth",
        ),
        Assumption(
            "new_grant_months",
            "Số tháng hưởng bình quân của đối tượng mới trong năm (hưởng từ tháng ký quyết định)",
            str(parameters.new_grant_months),
            "Quyết định rải đều trong năm: bình quân (12 + 1) / 2 tháng; mức tính tại 01/07",
            "U",
            "new_grant_months",
        ),
        Assumption(
            "funeral_support",
            "Hỗ trợ chi phí mai táng = số người chết 12 tháng trước × bội số × mức chuẩn",
            f"thôi hưởng do chết ký {window} × {parameters.funeral_multiple}",
            "NĐ 20/2021 Đ11: ít nhất 20 lần mức chuẩn; tỉnh có thể quy định cao hơn",
            "S" if parameters.funeral_multiple == 20 else "U",
            "funeral_multiple",
        ),
        Assumption(
            "arrears",
            "Truy lĩnh bằng số truy lĩnh đã lập trong danh sách chi trả 12 tháng trước",
            f"tháng {first_month} – {as_of:%Y-%m}",
            "Dòng truy lĩnh (arrears) của danh sách chi trả",
            "U",
            None,
        ),
        Assumption(
            "not_included",
            "Chưa gồm: trợ giúp khẩn cấp, kinh phí hoạt động Hội đồng xét duyệt và Hội đồng"
            " xác định mức độ khuyết tật, phí giám định y khoa",
            "0",
            "DOMAIN §7.1: các khoản này không có trong hệ thống",
            "S",
            None,
        ),
    ]
