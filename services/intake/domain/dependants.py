"""A dependant (người phụ thuộc) as intake holds it: a child the applicant raises, a child taken
in, a person cared for; with the name and ID number that stay in intake."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Dependant:
    dependant_id: UUID
    relation: str
    full_name: str
    date_of_birth: date
    studying: bool = False
    case_id: UUID | None = None
    personal_id: str | None = None

    def as_event_data(self) -> dict[str, Any]:
        """Plain JSON values, as stored in an event."""
        return {
            "dependant_id": str(self.dependant_id),
            "relation": self.relation,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "studying": self.studying,
            "case_id": str(self.case_id) if self.case_id else None,
            "personal_id": self.personal_id,
        }

    @classmethod
    def from_event_data(cls, data: dict[str, Any]) -> "Dependant":
        return cls(
            dependant_id=UUID(data["dependant_id"]),
            relation=data["relation"],
            full_name=data["full_name"],
            date_of_birth=date.fromisoformat(data["date_of_birth"]),
            studying=bool(data.get("studying", False)),
            case_id=UUID(data["case_id"]) if data.get("case_id") else None,
            personal_id=data.get("personal_id"),
        )

    def named(self, dependant_id: UUID) -> "Dependant":
        return replace(self, dependant_id=dependant_id)

    def same_person(self, other: "Dependant") -> bool:
        """Listed twice: the same relation, name (spacing and case aside) and date of birth."""
        return (self.relation, self.date_of_birth, _folded(self.full_name)) == (
            other.relation,
            other.date_of_birth,
            _folded(other.full_name),
        )


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()
