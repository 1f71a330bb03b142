"""The application dossier (hồ sơ đề nghị trợ cấp): its receipt opens a case; its id is the case id."""

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from backbone.actor import Actor
from services.intake.domain.dependants import Dependant

CHANNELS = ("in_person", "post", "online")
BENEFITS = ("monthly_allowance", "care_support")


class InvalidDossier(ValueError):
    """The dossier breaks a rule of a valid application; nothing is stored."""


class Dossier(Aggregate):
    """One case's dossier as received by the commune."""

    # Event classes made by @event below; declared so type checkers know them.
    Received: ClassVar[type[Any]]
    Supplemented: ClassVar[type[Any]]
    Withdrawn: ClassVar[type[Any]]
    JurisdictionResolved: ClassVar[type[Any]]
    DependantsChanged: ClassVar[type[Any]]

    @classmethod
    def receive(
        cls,
        *,
        case_id: UUID,
        person_id: UUID,
        personal_id: str,
        personal_id_legacy: bool,
        personal_id_digest: str,
        full_name: str,
        date_of_birth: date,
        sex: str,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        received_on: date,
        channel: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
        form: str = "",
        household_poverty: str = "not_declared",
        poverty_certificate: str | None = None,
        representative: dict[str, str] | None = None,
        documents_presented: list[str] | None = None,
        missing_documents: list[str] | None = None,
        cared_for: dict[str, str] | None = None,
        dependants: list[Dependant] | None = None,
        claim_key: str | None = None,
    ) -> "Dossier":
        """Receipt of a complete dossier. Dates cannot lie in the future; the person must be born."""
        cls.check_application(
            full_name=full_name,
            date_of_birth=date_of_birth,
            benefit=benefit,
            received_on=received_on,
            channel=channel,
            today=today,
        )
        cls.check_dependants(
            [(f"dependants[{n}]", d) for n, d in enumerate(dependants or [])], on=received_on
        )
        return cls(
            id=case_id,
            person_id=person_id,
            personal_id=personal_id,
            personal_id_legacy=personal_id_legacy,
            personal_id_digest=personal_id_digest,
            full_name=full_name.strip(),
            date_of_birth=date_of_birth,
            sex=sex,
            benefit=benefit,
            category=category,
            residence_scheme=residence_scheme,
            residence_code=residence_code,
            received_on=received_on,
            channel=channel,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
            form=form,
            household_poverty=household_poverty,
            poverty_certificate=poverty_certificate,
            representative=representative,
            documents_presented=sorted(documents_presented or []),
            missing_documents=list(missing_documents or []),
            complete_on=None if missing_documents else received_on,
            cared_for=cared_for,
            dependants=[d.as_event_data() for d in dependants or []],
            claim_key=claim_key,
        )

    @staticmethod
    def check_application(
        *,
        full_name: str,
        date_of_birth: date,
        benefit: str,
        received_on: date,
        channel: str,
        today: date,
    ) -> None:
        """The rules a dossier must meet before anything about it is stored."""
        if date_of_birth > today:
            raise InvalidDossier(f"date of birth {date_of_birth} is in the future")
        if received_on > today:
            raise InvalidDossier(f"received_on {received_on} is in the future")
        if received_on < date_of_birth:
            raise InvalidDossier("a dossier cannot be received before the applicant was born")
        if channel not in CHANNELS:
            raise InvalidDossier(f"channel must be one of {', '.join(CHANNELS)}")
        if benefit not in BENEFITS:
            raise InvalidDossier(f"benefit must be one of {', '.join(BENEFITS)}")
        if not full_name.strip():
            raise InvalidDossier("full_name must not be blank")

    @staticmethod
    def check_dependants(listed: list[tuple[str, Dependant]], *, on: date) -> None:
        """Each dependant (with what to call it in a message) named, born by `on` (the receipt,
        or the day of a later change), and listed once."""
        for number, (label, dependant) in enumerate(listed):
            if not dependant.full_name.strip():
                raise InvalidDossier(f"{label} full_name must not be blank")
            if dependant.date_of_birth > on:
                raise InvalidDossier(
                    f"{label} was born on {dependant.date_of_birth}, after {on}: a dependant "
                    "born later is added from the day they were born "
                    "(POST /dossiers/{case_id}/dependants)"
                )
            for other_label, other in listed[:number]:
                if dependant.same_person(other):
                    raise InvalidDossier(
                        f"{label} repeats {other_label} (same relation, name and date of "
                        "birth): list each person once"
                    )

    @event("Received")
    def __init__(
        self,
        *,
        id: UUID,
        person_id: UUID,
        personal_id: str,
        personal_id_legacy: bool,
        personal_id_digest: str,
        full_name: str,
        date_of_birth: date,
        sex: str,
        benefit: str,
        category: str,
        residence_scheme: str,
        residence_code: str,
        received_on: date,
        channel: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
        form: str = "",
        household_poverty: str = "not_declared",
        poverty_certificate: str | None = None,
        representative: dict[str, str] | None = None,
        documents_presented: list[str] | None = None,
        missing_documents: list[str] | None = None,
        complete_on: date | None = None,
        cared_for: dict[str, str] | None = None,
        dependants: list[dict[str, Any]] | None = None,
        claim_key: str | None = None,
    ) -> None:
        # Dossiers received before dependants were recorded keep only `cared_for`.
        self.cared_for = cared_for
        self.dependants: dict[UUID, Dependant] = {}
        for data in dependants or []:
            dependant = Dependant.from_event_data(data)
            self.dependants[dependant.dependant_id] = dependant
        self.dependant_changes: list[dict[str, Any]] = []
        #: The key of the one-open-case claim taken at receipt (None before it was recorded).
        self.claim_key = claim_key
        self.form = form
        self.household_poverty = household_poverty
        self.poverty_certificate = poverty_certificate
        self.representative = representative
        self.documents_presented = list(documents_presented or [])
        self.missing_documents = list(missing_documents or [])
        # Events stored before completeness was tracked were complete on receipt.
        self.complete_on = complete_on if documents_presented is not None else received_on
        self.withdrawn_on: date | None = None
        self.person_id = person_id
        self.personal_id = personal_id
        self.personal_id_legacy = personal_id_legacy
        self.personal_id_digest = personal_id_digest
        self.full_name = full_name
        self.date_of_birth = date_of_birth
        self.sex = sex
        self.benefit = benefit
        self.category = category
        self.residence_scheme = residence_scheme
        self.residence_code = residence_code
        self.received_on = received_on
        self.channel = channel
        self.received_by = actor

    @property
    def case_id(self) -> UUID:
        return self.id

    @property
    def dependants_listed(self) -> list[Dependant]:
        return list(self.dependants.values())

    # --- after receipt ---------------------------------------------------------------------

    def supplement(
        self,
        *,
        documents: list[str],
        supplemented_on: date,
        still_missing: list[str],
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Documents presented later (bổ sung hồ sơ); the dossier is complete when none is
        missing, and the clock of steps counted from a complete dossier starts that day."""
        if self.withdrawn_on is not None:
            raise InvalidDossier(f"the dossier was withdrawn on {self.withdrawn_on}")
        if not documents:
            raise InvalidDossier("documents must list at least one document presented")
        if supplemented_on > today or supplemented_on < self.received_on:
            raise InvalidDossier(
                f"supplemented_on {supplemented_on} must lie between receipt "
                f"({self.received_on}) and today"
            )
        if self.complete_on is not None:
            raise InvalidDossier(f"the dossier has been complete since {self.complete_on}")
        self._supplemented(
            case_id=self.id,
            documents=sorted(documents),
            supplemented_on=supplemented_on,
            missing_documents=still_missing,
            complete_on=None if still_missing else supplemented_on,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Supplemented")
    def _supplemented(
        self,
        *,
        case_id: UUID,
        documents: list[str],
        supplemented_on: date,
        missing_documents: list[str],
        complete_on: date | None,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.documents_presented = sorted(set(self.documents_presented) | set(documents))
        self.missing_documents = missing_documents
        self.complete_on = complete_on

    def withdraw(
        self, *, withdrawn_on: date, reason: str, today: date, actor: Actor, correlation_id: UUID
    ) -> None:
        """The applicant withdraws the dossier (rút hồ sơ); the case ends without a decision."""
        if self.withdrawn_on is not None:
            raise InvalidDossier(f"the dossier was already withdrawn on {self.withdrawn_on}")
        if withdrawn_on > today or withdrawn_on < self.received_on:
            raise InvalidDossier(
                f"withdrawn_on {withdrawn_on} must lie between receipt ({self.received_on}) "
                "and today"
            )
        if not reason.strip():
            raise InvalidDossier("reason must say why the dossier is withdrawn")
        self._withdrawn(
            case_id=self.id,
            withdrawn_on=withdrawn_on,
            reason=reason.strip(),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("Withdrawn")
    def _withdrawn(
        self,
        *,
        case_id: UUID,
        withdrawn_on: date,
        reason: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.withdrawn_on = withdrawn_on

    def resolve_jurisdiction(
        self,
        *,
        commune: str,
        candidates: list[str],
        basis: str,
        decided_on: date,
        mapping_version: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Assign a case of a split old commune to one of the communes it went into.

        Only one of `candidates` (the split commune's successors) may be chosen, once; the
        recorded residence stays as it was (history is never rewritten).
        """
        if getattr(self, "resolved_commune", None) is not None:
            raise InvalidDossier(
                f"the case was already assigned to commune {self.resolved_commune}"
            )
        if len(candidates) < 2:
            raise InvalidDossier(
                f"commune {self.residence_code} ({self.residence_scheme}) was not split: the "
                "old -> new table places the case, nothing to resolve"
            )
        if commune not in candidates:
            raise InvalidDossier(
                f"commune {commune} is not one the old commune {self.residence_code} went "
                f"into; choose one of {', '.join(candidates)}"
            )
        if decided_on > today or decided_on < self.received_on:
            raise InvalidDossier(
                f"decided_on {decided_on} must lie between receipt ({self.received_on}) and today"
            )
        if not basis.strip():
            raise InvalidDossier("basis must say how the commune was established (village, street)")
        self._jurisdiction_resolved(
            case_id=self.id,
            from_scheme=self.residence_scheme,
            from_code=self.residence_code,
            to_code=commune,
            basis=basis.strip(),
            decided_on=decided_on,
            mapping_version=mapping_version,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("JurisdictionResolved")
    def _jurisdiction_resolved(
        self,
        *,
        case_id: UUID,
        from_scheme: str,
        from_code: str,
        to_code: str,
        basis: str,
        decided_on: date,
        mapping_version: str,
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        self.resolved_commune = to_code

    # --- dependants after receipt -------------------------------------------------------------

    def change_dependants(
        self,
        *,
        add: list[Dependant],
        change: list[Dependant],
        remove: list[UUID],
        changed_on: date,
        reason: str,
        today: date,
        actor: Actor,
        correlation_id: UUID,
    ) -> None:
        """Dependants added, changed (by id, every field given again) or removed after receipt:
        a child born, a youth who starts or stops studying, a date of birth corrected. Each
        change is an event; what stood before stays in the history."""
        if self.withdrawn_on is not None:
            raise InvalidDossier(f"the dossier was withdrawn on {self.withdrawn_on}")
        if changed_on > today or changed_on < self.received_on:
            raise InvalidDossier(
                f"changed_on {changed_on} must lie between receipt ({self.received_on}) and today"
            )
        if not (add or change or remove):
            raise InvalidDossier("nothing to change: give add, change or remove")
        if not reason.strip():
            raise InvalidDossier("reason must say why the dependants change")
        touched = [d.dependant_id for d in change] + list(remove)
        unknown = [str(i) for i in touched if i not in self.dependants]
        if unknown:
            raise InvalidDossier(
                f"dependants {', '.join(unknown)} are not on this dossier; known: "
                f"{', '.join(str(i) for i in self.dependants) or 'none'}"
            )
        if len(set(touched)) != len(touched):
            raise InvalidDossier("a dependant is changed or removed once per request")
        changed = {d.dependant_id: n for n, d in enumerate(change)}
        self.check_dependants(
            [
                (f"change[{changed[i]}]" if i in changed else f"dependant {i}", d)
                for i, d in {
                    **{i: d for i, d in self.dependants.items() if i not in remove},
                    **{d.dependant_id: d for d in change},
                }.items()
            ]
            + [(f"add[{n}]", d) for n, d in enumerate(add)],
            on=changed_on,
        )
        self._dependants_changed(
            case_id=self.id,
            changed_on=changed_on,
            reason=reason.strip(),
            added=[d.as_event_data() for d in add],
            changed=[d.as_event_data() for d in change],
            removed=[str(i) for i in remove],
            actor=actor,
            correlation_id=correlation_id,
            causation_id=None,
        )

    @event("DependantsChanged")
    def _dependants_changed(
        self,
        *,
        case_id: UUID,
        changed_on: date,
        reason: str,
        added: list[dict[str, Any]],
        changed: list[dict[str, Any]],
        removed: list[str],
        actor: Actor,
        correlation_id: UUID,
        causation_id: UUID | None,
    ) -> None:
        for gone in removed:
            self.dependants.pop(UUID(gone), None)
        for data in [*changed, *added]:
            dependant = Dependant.from_event_data(data)
            self.dependants[dependant.dependant_id] = dependant
        self.dependant_changes.append(
            {
                "changed_on": changed_on,
                "reason": reason,
                "added": [d["dependant_id"] for d in added],
                "changed": [d["dependant_id"] for d in changed],
                "removed": list(removed),
                "recorded_by": actor.user_id,
            }
        )
