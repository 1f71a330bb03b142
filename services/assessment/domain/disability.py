"""A person's disability level determinations (xác định mức độ khuyết tật), with their history.

The commune council determines type and level by observation and questionnaire; when it cannot
conclude, the person disagrees or there is evidence of bias, the medical assessment council
decides (Law on Persons with Disabilities Art. 15-18; Circular 01/2019). A child determined
before 6 must be determined again at 6. Every determination is kept: a new one never
overwrites an old one, so inspectors see which level was known on any date.
"""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor

TYPES = ("MOBILITY", "HEARING_SPEECH", "VISION", "NEURO_MENTAL", "INTELLECTUAL", "OTHER")
LEVELS = ("SPECIAL_SEVERE", "SEVERE", "MILD")
METHODS = ("observation_questionnaire", "medical_assessment")
REFERRAL_REASONS = ("council_could_not_conclude", "person_disagrees", "evidence_of_bias")


class InvalidDetermination(ValueError):
    """The determination breaks a rule; nothing is recorded."""


class DisabilityRecord(Aggregate):
    """Id derived from the person id (contracts.ids.derived_id("disability", person_id)).

    Created by the first determination, so every stored event is a determination and the
    versions published on the bus stay contiguous.
    """

    Determined: ClassVar[type[Any]]
    Redetermined: ClassVar[type[Any]]

    @classmethod
    def first(
        cls, *, id: UUID, person_id: UUID, date_of_birth: date, **determination: Any
    ) -> "DisabilityRecord":
        """The first determination of a person's disability."""
        fields = _checked(date_of_birth, None, **determination)
        return cls(id=id, person_id=person_id, date_of_birth=date_of_birth, **fields)

    @event("Determined")
    def __init__(
        self,
        *,
        id: UUID,
        person_id: UUID,
        date_of_birth: date,
        case_id: UUID,
        determined_on: date,
        types: list[str],
        level: str,
        method: str,
        council: str,
        referral_reason: str | None,
        certificate_number: str | None,
        certificate_date: date | None,
        form: str,
        redetermination_due_on: date | None,
        previous_level: str | None,
        reason: str | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.person_id = person_id
        self.date_of_birth = date_of_birth
        self.determinations: list[dict[str, Any]] = []
        self._append(
            {
                "case_id": case_id,
                "determined_on": determined_on,
                "types": types,
                "level": level,
                "method": method,
                "council": council,
                "referral_reason": referral_reason,
                "certificate_number": certificate_number,
                "certificate_date": certificate_date,
                "form": form,
                "redetermination_due_on": redetermination_due_on,
                "previous_level": previous_level,
                "reason": reason,
                "recorded_by": actor.user_id,
            }
        )

    @property
    def current(self) -> dict[str, Any] | None:
        return self.determinations[-1] if self.determinations else None

    def level_on(self, day: date) -> str | None:
        """The level in force on `day`: the latest determination made on or before it."""
        known = [d for d in self.determinations if d["determined_on"] <= day]
        return str(known[-1]["level"]) if known else None

    def redetermine(self, **determination: Any) -> None:
        """A new determination; `reason` must say why it was redone (reached 6, suspected
        change of level, complaint)."""
        previous = self.determinations[-1]
        if not (determination.get("reason") or "").strip():
            raise InvalidDetermination(
                "this person has a determination already: a re-determination must say why "
                "(reason), e.g. reached 6 years, suspected change of level, complaint"
            )
        if determination["determined_on"] < previous["determined_on"]:
            raise InvalidDetermination("a re-determination cannot predate the previous one")
        self._redetermined(**_checked(self.date_of_birth, previous, **determination))

    @event("Redetermined")
    def _redetermined(
        self,
        *,
        case_id: UUID,
        determined_on: date,
        types: list[str],
        level: str,
        method: str,
        council: str,
        referral_reason: str | None,
        certificate_number: str | None,
        certificate_date: date | None,
        form: str,
        redetermination_due_on: date | None,
        previous_level: str | None,
        reason: str | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self._append(
            {
                "case_id": case_id,
                "determined_on": determined_on,
                "types": types,
                "level": level,
                "method": method,
                "council": council,
                "referral_reason": referral_reason,
                "certificate_number": certificate_number,
                "certificate_date": certificate_date,
                "form": form,
                "redetermination_due_on": redetermination_due_on,
                "previous_level": previous_level,
                "reason": reason,
                "recorded_by": actor.user_id,
            }
        )

    def _append(self, determination: dict[str, Any]) -> None:
        self.determinations.append(determination)


def _checked(
    date_of_birth: date,
    previous: dict[str, Any] | None,
    *,
    case_id: UUID,
    determined_on: date,
    types: list[str],
    level: str,
    method: str,
    council: str,
    referral_reason: str | None,
    certificate_number: str | None,
    certificate_date: date | None,
    reason: str | None,
    today: date,
    actor: Actor,
    correlation_id: UUID,
) -> dict[str, Any]:
    """Check a determination and compute its form and re-determination due date."""
    if determined_on > today:
        raise InvalidDetermination(f"determined_on {determined_on} is in the future")
    if determined_on < date_of_birth:
        raise InvalidDetermination("a determination cannot precede the person's birth")
    if not types or any(t not in TYPES for t in types):
        raise InvalidDetermination(f"types must be one or more of {', '.join(TYPES)}")
    if level not in LEVELS:
        raise InvalidDetermination(f"level must be one of {', '.join(LEVELS)}")
    if method not in METHODS:
        raise InvalidDetermination(f"method must be one of {', '.join(METHODS)}")
    if method == "medical_assessment" and referral_reason not in REFERRAL_REASONS:
        raise InvalidDetermination(
            f"a medical assessment needs the referral reason: one of {', '.join(REFERRAL_REASONS)}"
        )
    if not council.strip():
        raise InvalidDetermination("council must name the council that determined")
    if certificate_date is not None and certificate_date < determined_on:
        raise InvalidDetermination("the certificate cannot be issued before the determination")
    sixth = _birthday(date_of_birth, 6)
    return {
        "case_id": case_id,
        "determined_on": determined_on,
        "types": sorted(set(types)),
        "level": level,
        "method": method,
        "council": council,
        "referral_reason": referral_reason,
        "certificate_number": certificate_number,
        "certificate_date": certificate_date,
        "form": "02" if determined_on < sixth else "03",
        "redetermination_due_on": sixth if determined_on < sixth else None,
        "previous_level": previous["level"] if previous else None,
        "reason": reason,
        "actor": actor,
        "correlation_id": correlation_id,
        "causation_id": None,
    }


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year: the age is reached on 1 March
        return date(born.year + years, 3, 1)
