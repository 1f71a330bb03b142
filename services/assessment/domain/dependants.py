"""The dependants of a case as intake declared them (children raised, a child taken in, the
person cared for): what a decision counts and whose birthdays call for one. Assessment never
holds their names or ID numbers.

Kept beside the case in an aggregate of its own (id derived from the case id), never published:
intake published the facts, and the decision that counts them is published with them.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor


@dataclass(frozen=True)
class DependantFacts:
    dependant_id: UUID
    relation: str
    date_of_birth: date
    studying: bool = False
    case_id: UUID | None = None

    def as_event_data(self) -> dict[str, Any]:
        return {
            "dependant_id": str(self.dependant_id),
            "relation": self.relation,
            "date_of_birth": self.date_of_birth.isoformat(),
            "studying": self.studying,
            "case_id": str(self.case_id) if self.case_id else None,
        }

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> "DependantFacts":
        return cls(
            dependant_id=UUID(str(data["dependant_id"])),
            relation=data["relation"],
            date_of_birth=date.fromisoformat(str(data["date_of_birth"])),
            studying=bool(data.get("studying", False)),
            case_id=UUID(str(data["case_id"])) if data.get("case_id") else None,
        )

    def describe(self) -> str:
        """How a message names a dependant: relation, date of birth and id, never a name."""
        studying = ", studying" if self.studying else ""
        return f"{self.relation} born {self.date_of_birth}{studying} ({self.dependant_id})"


class CaseDependants(Aggregate):
    """Id derived from the case id (contracts.ids.derived_id("dependants", case_id))."""

    Recorded: ClassVar[type[Any]]
    Changed: ClassVar[type[Any]]

    @event("Recorded")
    def __init__(
        self,
        *,
        id: UUID,
        case_id: UUID,
        recorded_on: date,
        dependants: list[dict[str, Any]],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.case_id = case_id
        self.recorded_on = recorded_on
        self.listed: dict[UUID, DependantFacts] = {}
        self._hold(dependants)

    def _hold(self, dependants: list[dict[str, Any]]) -> None:
        self.listed = {}
        for data in dependants:
            facts = DependantFacts.from_event_data(data)
            self.listed[facts.dependant_id] = facts

    @property
    def dependants(self) -> list[DependantFacts]:
        return list(self.listed.values())

    def change(
        self,
        *,
        changed_on: date,
        added: list[DependantFacts],
        changed: list[DependantFacts],
        removed: list[UUID],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        """Intake added, changed or removed dependants: hold the list as it stands after."""
        after = {i: d for i, d in self.listed.items() if i not in removed}
        after.update({d.dependant_id: d for d in [*changed, *added]})
        self._changed(
            case_id=self.case_id,
            changed_on=changed_on,
            dependants=[d.as_event_data() for d in after.values()],
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )

    @event("Changed")
    def _changed(
        self,
        *,
        case_id: UUID,
        changed_on: date,
        dependants: list[dict[str, Any]],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self._hold(dependants)
