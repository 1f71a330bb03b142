"""A monthly payroll (danh sách chi trả) of one commune and channel: generated, then approved.

The lines themselves are recorded on each entitlement (so every beneficiary's history says
what was issued for which month); the run records who generated and approved it and what
each generation issued. A run is internal bookkeeping: it is never published on the bus.
"""

from datetime import date
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


class PayrollError(ValueError):
    """The payroll command breaks a rule; nothing is recorded."""


class CommuneNotPaying(PayrollError):
    """The commune code does not pay for that month: an old commune after June 2025 (its
    successors pay), a 2025 commune before July 2025, or no commune at all."""


def payroll_id(commune: str, channel: str, month: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"btxh:payroll:{commune}:{channel}:{month}")


class PayrollRun(Aggregate):
    Started: ClassVar[type[Any]]
    Generated: ClassVar[type[Any]]
    Approved: ClassVar[type[Any]]

    @event("Started")
    def __init__(self, *, id: UUID, commune: str, channel: str, month: str, actor: Actor) -> None:
        self.commune = commune
        self.channel = channel
        self.month = month
        self.generations: list[dict[str, Any]] = []
        self.approved_on: date | None = None
        self.approved_by: str | None = None
        self.held_up: list[dict[str, Any]] = []
        self.arrears_awaiting_decision: list[dict[str, Any]] = []

    def check_open(self) -> None:
        """An approved payroll is closed: nothing may be added to it."""
        if self.approved_on is not None:
            raise PayrollError(
                f"the payroll of {self.month} was approved on {self.approved_on}: generate the "
                "next month's payroll instead (unpaid months carry over as arrears)"
            )

    def record_generation(
        self,
        *,
        beneficiaries: int,
        lines: int,
        total: int,
        arrears: int,
        actor: Actor,
        held_up: list[dict[str, Any]] | None = None,
        arrears_awaiting_decision: list[dict[str, Any]] | None = None,
    ) -> None:
        """Totals of one generation (a second one adds only what was missing), and what it
        could not pay by itself: beneficiaries of an old commune split in the 2025
        reorganisation until an official decides which new commune they belong to, and months
        owed older than the look-back until an arrears decision names them."""
        self.check_open()
        self._generated(
            beneficiaries=beneficiaries,
            lines=lines,
            total=total,
            arrears=arrears,
            actor=actor,
            held_up=list(held_up or []),
            arrears_awaiting_decision=list(arrears_awaiting_decision or []),
        )

    @event("Generated")
    def _generated(
        self,
        *,
        beneficiaries: int,
        lines: int,
        total: int,
        arrears: int,
        actor: Actor,
        held_up: list[dict[str, Any]] | None = None,
        arrears_awaiting_decision: list[dict[str, Any]] | None = None,
    ) -> None:
        self.generations.append(
            {"beneficiaries": beneficiaries, "lines": lines, "total": total, "arrears": arrears}
        )
        # The latest generation's lists: a later one sees what was decided since.
        self.held_up = list(held_up or [])
        self.arrears_awaiting_decision = list(arrears_awaiting_decision or [])

    def approve(self, *, approved_on: date, today: date, actor: Actor) -> None:
        """The commune approves the list before it is released for payment."""
        if not self.generations:
            raise PayrollError("nothing was generated: generate the payroll before approving it")
        if self.approved_on is not None:
            raise PayrollError(f"the payroll was approved on {self.approved_on}")
        if approved_on > today:
            raise PayrollError(f"approved_on {approved_on} is in the future")
        self._approved(approved_on=approved_on, actor=actor)

    @event("Approved")
    def _approved(self, *, approved_on: date, actor: Actor) -> None:
        self.approved_on = approved_on
        self.approved_by = actor.user_id
