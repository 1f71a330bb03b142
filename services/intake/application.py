"""Intake use cases: the only code that loads and saves dossiers."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from backbone.actor import Actor
from backbone.eventstore import BtxhApplication
from backbone.identity import personal_id_digest
from contracts.categories import MOST_DEPENDANTS
from reference import dependants as dependant_rules
from reference.admin_units import DVHC_2004_3LEVEL, DVHC_2025_2LEVEL, load_admin_units
from reference.date_bounds import DateOutOfRange, date_bounds
from reference.jurisdiction import OutsideJurisdiction, Places, jurisdiction
from reference.policy import Category, PolicyError, age_on, policy_book
from services.intake.case_index import CaseIndex, Claim, InMemoryCaseIndex, PostgresCaseIndex
from services.intake.domain.dependants import Dependant
from services.intake.domain.dossier import Dossier, InvalidDossier
from services.intake.domain.funeral_claim import FuneralClaim, InvalidFuneralClaim
from services.intake.domain.personal_id import InvalidPersonalId, parse_personal_id
from services.intake.messaging import outbound
from services.intake.settings import IntakeSettings


class CaseNotFound(LookupError):
    """No case with this id was received here."""


class DuplicateCase(Exception):
    """The person already has an open or active case for this benefit."""

    def __init__(self, case_id: UUID, *, cared_for: bool = False) -> None:
        super().__init__(
            f"this person already has an open case for this benefit: {case_id}"
            + (" (care support for the same person cared for)" if cared_for else "")
        )
        self.case_id = case_id


class DuplicateFuneralClaim(DuplicateCase):
    """A funeral-support claim was already received for this person."""

    def __init__(self, case_id: UUID) -> None:
        Exception.__init__(
            self,
            f"a funeral-support claim for this person was already received: case {case_id} "
            "(funeral support is once per deceased person)",
        )
        self.case_id = case_id


class FuneralSupportOnOwnCase(Exception):
    """The deceased has a monthly allowance case in btxh: its funeral support is decided there."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(
            f"this person has a monthly allowance case in btxh: {case_id}; their funeral support "
            f"is decided on that case (POST /entitlements/{case_id}/funeral-support after the "
            "cessation for death), not on a funeral claim"
        )
        self.case_id = case_id


class PersonDeceased(Exception):
    """A funeral claim records this person's death: no application is received for them."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(
            f"a funeral-support claim records this person's death: case {case_id}; no "
            "application is received for a deceased person"
        )
        self.case_id = case_id


class NotOwnCommune(PermissionError):
    """A commune officer acts only for the commune they belong to."""


#: The index key of the funeral claim: one per person, never released (one death, one claim).
FUNERAL_CLAIM = "funeral_claim"


@dataclass(frozen=True)
class ReceiveFuneralClaim:
    full_name: str
    date_of_birth: date
    sex: str
    personal_id: str
    residence_scheme: str
    residence_code: str
    died_on: date
    ground: str
    allowance_stopped_by: str
    organiser: dict[str, str]
    received_on: date
    documents_presented: tuple[str, ...] = ()


@dataclass(frozen=True)
class DependantGiven:
    """A dependant as an official gives it (`dependant_id`: only to change one on file)."""

    relation: str
    full_name: str
    date_of_birth: date
    studying: bool = False
    case_id: UUID | None = None
    personal_id: str | None = None
    dependant_id: UUID | None = None


@dataclass(frozen=True)
class ChangeDependants:
    changed_on: date
    reason: str
    add: tuple[DependantGiven, ...] = ()
    change: tuple[DependantGiven, ...] = ()
    remove: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class ReceiveDossier:
    full_name: str
    date_of_birth: date
    sex: str
    personal_id: str
    benefit: str
    category: str
    residence_scheme: str
    residence_code: str
    received_on: date
    channel: str
    household_poverty: str = "not_declared"
    poverty_certificate: str | None = None
    representative: dict[str, str] | None = None
    documents_presented: tuple[str, ...] = ()
    cared_for: dict[str, str] | None = None
    dependants: tuple[DependantGiven, ...] = ()


class IntakeApplication(BtxhApplication):
    name = "intake"
    service = "intake"
    to_contract = staticmethod(outbound.to_contract)

    def __init__(self, settings: IntakeSettings) -> None:
        super().__init__(settings)
        self.index: CaseIndex = self.beside_events(
            postgres=lambda: PostgresCaseIndex(
                settings.database_url, settings.schema_name(self.service)
            ),
            memory=InMemoryCaseIndex,
        )
        self.policy = policy_book(settings.policy_dir)
        self.dates = date_bounds(settings.policy_dir)
        self.admin_units = load_admin_units()
        self.places = Places(self.admin_units)
        self._digest_key = settings.personal_id_key.get_secret_value()

    def personal_id_digest(self, number: str) -> str:
        return personal_id_digest(self._digest_key, number)

    def person_of(self, number: str) -> UUID:
        """btxh's person id of a citizen ID number: the one key other services link a person's
        cases by. The number is digested here, the only holder of the digest key; CaseNotFound
        when no dossier of that number was ever received."""
        person_id = self.index.person(self.personal_id_digest(number))
        if person_id is None:
            raise CaseNotFound("no dossier of a person with this ID number was ever received")
        return person_id

    def _claim(
        self, digest: str, key: str, case_id: UUID, *, blocks: Callable[[UUID], bool]
    ) -> tuple[Claim, UUID | None]:
        """Claim the person's case for `key` (inside index.receiving), and the case that still
        holds it, if any: a holder that no longer `blocks` (a receipt that died before its
        save, a closed case) is taken over; None when this case holds the claim."""
        claim = self.index.claim(digest=digest, benefit=key, case_id=case_id)
        if claim.holder is not None and (
            blocks(claim.holder)
            or not self.index.take_over(
                person_id=claim.person_id, benefit=key, stale=claim.holder, case_id=case_id
            )
        ):
            return claim, claim.holder
        return claim, None

    def _claim_key(self, benefit: str, cared_for: dict[str, str] | None) -> str:
        """The key of one open case. The monthly allowance: the benefit. Care support is paid
        for each person cared for (a child taken in counts as one), so its key adds a keyed
        digest of that person (name and date of birth), never the name itself: a household
        that cares for a person with a special severe disability and also takes in a child
        holds a case for each, and no person cared for is in two open cases of one caregiver."""
        if benefit != "care_support" or not cared_for:
            return benefit
        name = " ".join(str(cared_for.get("full_name", "")).split()).casefold()
        who = self.personal_id_digest(f"cared-for|{name}|{cared_for.get('date_of_birth', '')}")
        return f"{benefit}:{who[:32]}"

    def _claim_keys(
        self, benefit: str, category: str, dependants: Iterable[Dependant]
    ) -> list[str]:
        """Every key a case holds: one per person cared for or child taken in (each is paid
        for, so each is claimed, not only the first listed); the benefit alone for the monthly
        allowance, and for a parent with a disability, whose care support is their own."""
        relation = dependant_rules.NEEDS.get(category)
        if benefit != "care_support" or relation is None or relation.relation == "child_raised":
            return [benefit]
        keys = [
            self._claim_key(
                benefit, {"full_name": d.full_name, "date_of_birth": str(d.date_of_birth)}
            )
            for d in dependants
            if d.relation == relation.relation
        ]
        return list(dict.fromkeys(keys)) or [benefit]

    def _holds(self, dossier: Dossier) -> list[str]:
        """The keys the dossier holds for its dependants as they stand now."""
        return self._claim_keys(dossier.benefit, dossier.category, dossier.dependants.values())

    def _claimed(self, dossier: Dossier) -> list[str]:
        """Every key the dossier may hold, to release: those of its dependants, and the one
        recorded at receipt (or recomputed, for dossiers received before it was recorded)."""
        first = dossier.claim_key or self._claim_key(dossier.benefit, dossier.cared_for)
        return list(dict.fromkeys([first, *self._holds(dossier)]))

    def _claim_all(self, digest: str, keys: list[str], case_id: UUID) -> Claim:
        """Claim every key for `case_id` (inside index.receiving of the benefit); none is kept
        when one is held by another open case (DuplicateCase names it)."""
        taken: list[str] = []
        first: Claim | None = None
        for key in keys:
            claim, holder = self._claim(digest, key, case_id, blocks=self._is_open)
            first = first or claim
            if holder is not None:
                self._release(first.person_id, taken, case_id, forget_person=first.new_person)
                raise DuplicateCase(holder, cared_for=":" in key)
            taken.append(key)
        assert first is not None, "a case holds at least one key"
        return first

    def _release(
        self, person_id: UUID, keys: Iterable[str], case_id: UUID, *, forget_person: bool = False
    ) -> None:
        """Free the keys `case_id` holds (a key held by another case is left alone)."""
        for key in keys:
            self.index.release(
                person_id=person_id, benefit=key, case_id=case_id, forget_person=forget_person
            )

    def receive_dossier(
        self, command: ReceiveDossier, *, actor: Actor, correlation_id: UUID, today: date
    ) -> Dossier:
        """Open a case for a received dossier.

        The personal ID must agree with the date of birth and sex; the category must belong to
        the benefit, be in force on the day of receipt and fit the person's age then, and the
        household must meet its poverty requirement as in force that day (poor only, or poor or
        near-poor: Decree 20/2021 admitted near-poor single parents from 01/07/2021); the
        commune must exist in the stated scheme on that day; a person may hold one open case
        per benefit (a second one is refused with the existing case id). Dates come first: the
        receipt within the policy tables and not after today in Vietnam, dates of birth neither
        in the future nor absurdly old.

        Dependants (children raised, a child taken in, the person cared for) are recorded, each
        with an id of its own: a category paid per child needs at least one who counts on the
        day of receipt (SINGLE_PARENT_POOR: a child under 16, or 16 to 22 and studying), and a
        care-support category the person it is for (reference/dependants.py). The deprecated
        `cared_for` is recorded as that one dependant.
        """
        self.dates.birth("applicant date_of_birth", command.date_of_birth, today)
        if command.cared_for and command.cared_for.get("date_of_birth"):
            self.dates.birth(
                "cared_for date_of_birth",
                date.fromisoformat(command.cared_for["date_of_birth"]),
                today,
            )
        given = self._given_dependants(command)
        for number, one in enumerate(given):
            self._check_birth(f"dependants[{number}] date_of_birth", one.date_of_birth, today)
        self.dates.fact("received_on", command.received_on, today)
        Dossier.check_application(
            full_name=command.full_name,
            date_of_birth=command.date_of_birth,
            benefit=command.benefit,
            received_on=command.received_on,
            channel=command.channel,
            today=today,
        )
        try:
            commune = self.admin_units.validate_commune(
                command.residence_scheme,  # type: ignore[arg-type]  # a Literal at the API
                command.residence_code,
                command.received_on,
            )
        except ValueError as error:
            raise InvalidDossier(f"residence: {error}") from error
        self._check_own_commune(actor, commune.scheme, commune.code, "a dossier")
        province = self.admin_units.province_of(commune.scheme, commune.code).code
        age = age_on(command.date_of_birth, command.received_on)
        try:
            # National categories, and the province's own where its council added some.
            policy = self.policy.in_force(province, command.received_on)
            category = policy.categories.get(command.category)
            if category is None and self._ever_a_category(command.category):
                raise InvalidDossier(
                    f"category {command.category!r} is not in force on {command.received_on} "
                    f"in province {province}"
                )
            if category is None or category.benefit != command.benefit:
                raise InvalidDossier(f"{command.category!r} is not a category of {command.benefit}")
            policy.check_age(command.category, age)
        except PolicyError as error:
            raise InvalidDossier(str(error)) from error
        if not category.admits_household(command.household_poverty):
            households = (
                "poor or near-poor households"
                if category.admits_household("near_poor")
                else "poor households only"
            )
            raise InvalidDossier(
                f"category {command.category} is for {households} on {command.received_on} "
                f"({category.legal_basis}); the household is declared "
                f"{command.household_poverty!r} (household.poverty_status)"
            )
        dependants = self._dependants(given, "dependants", on=command.received_on)
        self._check_needs(command.category, category, dependants, command)
        if age < 16 and command.representative is None:
            raise InvalidDossier(
                "the applicant is a child: the dossier needs the guardian or representative "
                "who submits it (representative)"
            )
        unknown = [d for d in command.documents_presented if d not in self.policy.document_labels]
        if unknown:
            raise InvalidDossier(
                f"unknown documents {unknown}; known: {', '.join(self.policy.document_labels)}"
            )
        missing = self.policy.missing_documents(command.category, list(command.documents_presented))
        personal_id = parse_personal_id(
            command.personal_id, date_of_birth=command.date_of_birth, sex=command.sex
        )
        digest = self.personal_id_digest(personal_id.number)
        claimed = self._claim_keys(command.benefit, command.category, dependants)
        with self.index.receiving(digest, command.benefit):
            case_id = uuid4()
            claim = self._claim_all(digest, claimed, case_id)
            person_id, new_person = claim.person_id, claim.new_person
            funeral = self.index.holder(person_id=person_id, benefit=FUNERAL_CLAIM)
            if funeral is not None and self._exists(funeral):
                self._release(person_id, claimed, case_id)
                raise PersonDeceased(funeral)
            dossier = Dossier.receive(
                case_id=case_id,
                person_id=person_id,
                personal_id=personal_id.number,
                personal_id_legacy=personal_id.legacy,
                personal_id_digest=digest,
                full_name=command.full_name,
                date_of_birth=command.date_of_birth,
                sex=command.sex,
                benefit=command.benefit,
                category=command.category,
                residence_scheme=command.residence_scheme,
                residence_code=command.residence_code,
                received_on=command.received_on,
                channel=command.channel,
                today=today,
                actor=actor,
                correlation_id=correlation_id,
                form=category.form,
                household_poverty=command.household_poverty,
                poverty_certificate=command.poverty_certificate,
                representative=command.representative,
                documents_presented=list(command.documents_presented),
                missing_documents=missing,
                cared_for=command.cared_for,
                dependants=dependants,
                claim_key=claimed[0],
            )
            try:
                self.save(dossier)
            except BaseException:
                self._release(person_id, claimed, case_id, forget_person=new_person)
                raise
            return dossier

    def get_dossier(self, case_id: UUID) -> Dossier:
        try:
            dossier: object = self.repository.get(case_id)
        except AggregateNotFoundError as error:
            raise CaseNotFound(f"no dossier with case id {case_id}") from error
        if not isinstance(dossier, Dossier):
            raise CaseNotFound(f"case {case_id} is not a dossier (GET /funeral-claims/{case_id})")
        return dossier

    # --- funeral claims (Decree 20/2021 Art. 11) ----------------------------------------------

    def receive_funeral_claim(
        self, command: ReceiveFuneralClaim, *, actor: Actor, correlation_id: UUID, today: date
    ) -> FuneralClaim:
        """Open the deceased's own case for a funeral-support claim (Form 04).

        Funeral support is owed to a person who died aged 80 or more (completed years on the
        day of death) receiving a monthly social-insurance survivor allowance or another monthly
        allowance, and no btxh monthly allowance (Decree 20/2021 Art. 11). The claim comes with
        copies of the death certificate and of the decision or list stopping that allowance.
        The personal ID must agree with the date of birth and sex; the residence is the commune
        the person lived in on the day of death, and a commune officer receives claims of their
        own commune only. The person is found in (or added to) the person index as for a
        dossier. Refused: a person with a monthly allowance case in btxh (its funeral support is
        decided on that case, 409 naming it) and a second claim for the same person (409 naming
        the first). Dates: the birth neither in the future nor absurdly old, the death and the
        receipt within the policy tables and not after today, the receipt not before the death.
        """
        self.dates.birth("date_of_birth", command.date_of_birth, today)
        self.dates.fact("died_on", command.died_on, today)
        self.dates.fact("received_on", command.received_on, today)
        FuneralClaim.check(
            full_name=command.full_name,
            date_of_birth=command.date_of_birth,
            died_on=command.died_on,
            received_on=command.received_on,
            ground=command.ground,
            allowance_stopped_by=command.allowance_stopped_by,
            organiser=command.organiser,
            documents_presented=list(command.documents_presented),
        )
        try:
            commune = self.admin_units.validate_commune(
                command.residence_scheme,  # type: ignore[arg-type]  # a Literal at the API
                command.residence_code,
                command.died_on,
            )
        except ValueError as error:
            raise InvalidFuneralClaim(f"residence on died_on: {error}") from error
        self._check_own_commune(actor, commune.scheme, commune.code, "a funeral claim")
        personal_id = parse_personal_id(
            command.personal_id, date_of_birth=command.date_of_birth, sex=command.sex
        )
        digest = self.personal_id_digest(personal_id.number)
        # The allowance's receipts are held too: a dossier received at the same moment for the
        # same person is either seen here or sees this claim's person.
        with (
            self.index.receiving(digest, FUNERAL_CLAIM),
            self.index.receiving(digest, self._claim_key("monthly_allowance", None)),
        ):
            case_id = uuid4()
            claim, holder = self._claim(digest, FUNERAL_CLAIM, case_id, blocks=self._exists)
            person_id = claim.person_id
            if holder is not None:
                raise DuplicateFuneralClaim(holder)
            try:
                allowance = self.index.holder(
                    person_id=person_id, benefit=self._claim_key("monthly_allowance", None)
                )
                if allowance is not None and self._is_open(allowance):
                    raise FuneralSupportOnOwnCase(allowance)
                funeral_claim = FuneralClaim(
                    id=case_id,
                    person_id=person_id,
                    personal_id=personal_id.number,
                    personal_id_legacy=personal_id.legacy,
                    personal_id_digest=digest,
                    full_name=" ".join(command.full_name.split()),
                    date_of_birth=command.date_of_birth,
                    sex=command.sex,
                    residence_scheme=command.residence_scheme,
                    residence_code=command.residence_code,
                    died_on=command.died_on,
                    ground=command.ground,
                    allowance_stopped_by=command.allowance_stopped_by.strip(),
                    organiser={k: v.strip() for k, v in command.organiser.items()},
                    documents_presented=sorted(set(command.documents_presented)),
                    received_on=command.received_on,
                    actor=actor,
                    correlation_id=correlation_id,
                    causation_id=None,
                )
                self.save(funeral_claim)
            except BaseException:
                self.index.release(
                    person_id=person_id,
                    benefit=FUNERAL_CLAIM,
                    case_id=case_id,
                    forget_person=claim.new_person,
                )
                raise
            return funeral_claim

    def get_funeral_claim(self, case_id: UUID) -> FuneralClaim:
        try:
            found: object = self.repository.get(case_id)
        except AggregateNotFoundError as error:
            raise CaseNotFound(f"no funeral claim with case id {case_id}") from error
        if not isinstance(found, FuneralClaim):
            raise CaseNotFound(f"case {case_id} is not a funeral claim (GET /dossiers/{case_id})")
        return found

    def _check_own_commune(self, actor: Actor, scheme: str, code: str, what: str) -> None:
        """An official acts for a place in their unit only: a commune officer for their own
        2025 commune (the residence itself, or for a commune of the old scheme one of the 2025
        communes it went into)."""
        try:
            who = jurisdiction(self.admin_units, actor.role, actor.admin_unit)
        except OutsideJurisdiction as error:
            raise NotOwnCommune(str(error)) from error
        if not self.places.covers(who, scheme, code):
            raise NotOwnCommune(
                f"a {actor.role} of {who.code} may not receive {what} of commune {code} "
                f"({scheme}): the commune where the person lives receives it"
            )

    def places_of(self, case_id: UUID) -> list[tuple[str | None, str | None]] | None:
        """Where the case is recorded now (a split old commune's case, where an official
        assigned it), or None when intake holds no such case."""
        try:
            found: object = self.repository.get(case_id)
        except AggregateNotFoundError:
            return None
        resolved = getattr(found, "resolved_commune", None)
        if isinstance(found, Dossier) and resolved is not None:
            return [(DVHC_2025_2LEVEL, resolved)]
        if isinstance(found, Dossier | FuneralClaim):
            return [(found.residence_scheme, found.residence_code)]
        return None

    def supplement_dossier(
        self,
        case_id: UUID,
        *,
        documents: list[str],
        supplemented_on: date,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> Dossier:
        """Record documents presented after receipt; when nothing is missing any more, the
        dossier is complete from that day (the procedure's clock counts from then)."""
        dossier = self.get_dossier(case_id)
        unknown = [d for d in documents if d not in self.policy.document_labels]
        if unknown:
            raise InvalidDossier(
                f"unknown documents {unknown}; known: {', '.join(self.policy.document_labels)}"
            )
        presented = sorted(set(dossier.documents_presented) | set(documents))
        dossier.supplement(
            documents=documents,
            supplemented_on=supplemented_on,
            still_missing=self.policy.missing_documents(dossier.category, presented),
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(dossier)
        return dossier

    def withdraw_dossier(
        self,
        case_id: UUID,
        *,
        withdrawn_on: date,
        reason: str,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> Dossier:
        """The applicant withdraws the dossier: the case ends without a decision, and the
        person may apply again for the same benefit."""
        dossier = self.get_dossier(case_id)
        dossier.withdraw(
            withdrawn_on=withdrawn_on,
            reason=reason,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(dossier)
        self._release(dossier.person_id, self._claimed(dossier), dossier.id)
        return dossier

    def resolve_jurisdiction(
        self,
        case_id: UUID,
        *,
        commune: str,
        basis: str,
        decided_on: date,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> Dossier:
        """Assign a case recorded under a pre-2025 commune that was split to the 2025 commune
        the applicant actually lives in (known from the village or street, never guessed)."""
        dossier = self.get_dossier(case_id)
        candidates: list[str] = []
        if dossier.residence_scheme == DVHC_2004_3LEVEL:
            candidates = sorted(
                {s.code for s in self.admin_units.successors(dossier.residence_code)}
            )
        dossier.resolve_jurisdiction(
            commune=commune,
            candidates=candidates,
            basis=basis,
            decided_on=decided_on,
            mapping_version=self.admin_units.source,
            today=today,
            actor=actor,
            correlation_id=correlation_id,
        )
        self.save(dossier)
        return dossier

    def release_after_rejection(self, case_id: UUID, tracking: Tracking) -> None:
        """A rejected application no longer blocks a new one for the same benefit."""
        if self._exists(case_id):
            dossier = self.get_dossier(case_id)
            self._release(dossier.person_id, self._claimed(dossier), case_id)
        self.record_tracking(tracking)  # releasing twice is harmless; the tracking is once

    # --- dependants ------------------------------------------------------------------------

    def change_dependants(
        self,
        case_id: UUID,
        command: ChangeDependants,
        *,
        actor: Actor,
        correlation_id: UUID,
        today: date,
    ) -> Dossier:
        """Add, change or remove the dossier's dependants after receipt (a child born, a youth
        who starts or stops studying, a date of birth corrected), with the reason; what stood
        before stays in the history. A change names a dependant by its id and gives every field
        again. A care-support case keeps the person it is for (one per case where a caregiver
        holds a case for each). Nothing changes a decision by itself: assessment proposes one.
        """
        self.dates.fact("changed_on", command.changed_on, today)
        for label, listed in (("add", command.add), ("change", command.change)):
            for number, one in enumerate(listed):
                self._check_birth(f"{label}[{number}] date_of_birth", one.date_of_birth, today)
        dossier = self.get_dossier(case_id)
        add = self._dependants(command.add, "add", on=command.changed_on)
        change = self._dependants(command.change, "change", on=command.changed_on, keep_ids=True)
        after = {
            **{i: d for i, d in dossier.dependants.items() if i not in command.remove},
            **{d.dependant_id: d for d in change},
            **{d.dependant_id: d for d in add},
        }
        if len(after) > MOST_DEPENDANTS:
            raise InvalidDossier(
                f"a dossier lists at most {MOST_DEPENDANTS} dependants; this change leaves "
                f"{len(after)}"
            )
        category = self._category_of(dossier)
        relation = dependant_rules.relation_for(
            dossier.category, category.per if category else None
        )
        need = dependant_rules.NEEDS.get(dossier.category)
        if dossier.benefit == "care_support" and relation is not None:
            of_relation = [d for d in after.values() if d.relation == relation]
            if not of_relation:
                raise InvalidDossier(
                    f"{dossier.category} is care support for a {relation}: the case cannot be left "
                    "without one (withdraw the dossier, or end the support by a decision)"
                )
            if need is not None and need.one_only and len(of_relation) > 1:
                raise InvalidDossier(
                    f"{dossier.category} is for one {relation}: a caregiver holds a case for each "
                    "person, receive a dossier for the other"
                )
        with self.index.receiving(dossier.personal_id_digest, dossier.benefit):
            before = self._claimed(dossier)
            dossier.change_dependants(
                add=add,
                change=change,
                remove=list(command.remove),
                changed_on=command.changed_on,
                reason=command.reason,
                today=today,
                actor=actor,
                correlation_id=correlation_id,
            )
            after_keys = self._holds(dossier)
            added = [k for k in after_keys if k not in before]
            if added and dossier.withdrawn_on is None:
                self._claim_all(dossier.personal_id_digest, added, dossier.id)
            try:
                self.save(dossier)
            except BaseException:
                self._release(dossier.person_id, added, dossier.id)
                raise
            self._release(dossier.person_id, [k for k in before if k not in after_keys], dossier.id)
        return dossier

    def _given_dependants(self, command: ReceiveDossier) -> list[DependantGiven]:
        """The dependants listed, and the deprecated `cared_for` as one more (unless listed)."""
        given = list(command.dependants)
        cared_for = command.cared_for
        if cared_for and cared_for.get("date_of_birth"):
            person = DependantGiven(
                relation=dependant_rules.relation_of_cared_for(command.category),
                full_name=str(cared_for.get("full_name", "")),
                date_of_birth=date.fromisoformat(cared_for["date_of_birth"]),
            )
            as_listed = self._dependant(person, uuid4(), "cared_for")
            if not any(
                as_listed.same_person(self._dependant(g, uuid4(), "dependants")) for g in given
            ):
                given.append(person)
        return given

    def _check_birth(self, field: str, born: date, today: date) -> None:
        self.dates.birth(field, born, today)
        if born < dependant_rules.EARLIEST_BIRTH:
            raise DateOutOfRange(
                f"{field} {born.isoformat()} is before "
                f"{dependant_rules.EARLIEST_BIRTH.isoformat()}: check the year"
            )

    def _dependant(self, given: DependantGiven, dependant_id: UUID, label: str) -> Dependant:
        """A dependant as recorded; an ID number, where given, must agree with the date of
        birth (the sex of a dependant is not declared, so not checked)."""
        if given.relation not in dependant_rules.RELATIONS:
            raise InvalidDossier(
                f"{label} relation must be one of {', '.join(dependant_rules.RELATIONS)}"
            )
        number = None
        if given.personal_id is not None:
            if len(given.personal_id) != 12:
                raise InvalidPersonalId(f"{label} personal_id must have 12 digits")
            try:
                number = parse_personal_id(
                    given.personal_id, date_of_birth=given.date_of_birth, sex=None
                ).number
            except InvalidPersonalId as error:
                raise InvalidPersonalId(f"{label} personal_id: {error}") from error
        return Dependant(
            dependant_id=dependant_id,
            relation=given.relation,
            full_name=" ".join(given.full_name.split()),
            date_of_birth=given.date_of_birth,
            studying=given.studying,
            case_id=given.case_id,
            personal_id=number,
        )

    def _dependants(
        self, given: Sequence[DependantGiven], label: str, *, on: date, keep_ids: bool = False
    ) -> list[Dependant]:
        """Dependants as recorded, each with a new id (or, `keep_ids`, the id given)."""
        if len(given) > MOST_DEPENDANTS:
            raise InvalidDossier(f"{label}: at most {MOST_DEPENDANTS} dependants")
        found = []
        for number, one in enumerate(given):
            if keep_ids and one.dependant_id is None:
                raise InvalidDossier(f"{label}[{number}] needs the dependant_id to change")
            dependant_id = one.dependant_id if keep_ids and one.dependant_id else uuid4()
            found.append(self._dependant(one, dependant_id, f"{label}[{number}]"))
        Dossier.check_dependants([(f"{label}[{n}]", d) for n, d in enumerate(found)], on=on)
        return found

    def _check_needs(
        self,
        code: str,
        category: Category,
        dependants: list[Dependant],
        command: ReceiveDossier,
    ) -> None:
        """The dependants the category is for or paid per, on the day of receipt."""
        problem = dependant_rules.shortfall(
            code,
            benefit=command.benefit,
            per=category.per,
            dependants=dependants,
            on=command.received_on,
            documents=command.documents_presented,
        )
        if problem is not None:
            older = (
                "; older clients may give cared_for" if command.benefit == "care_support" else ""
            )
            raise InvalidDossier(f"dependants: {problem}{older}")

    def _category_of(self, dossier: Dossier) -> Category | None:
        """The dossier's category as in force on the day of receipt in its province."""
        try:
            province = self.admin_units.province_of(
                dossier.residence_scheme,  # type: ignore[arg-type]  # a Literal at the API
                dossier.residence_code,
            ).code
            return self.policy.in_force(province, dossier.received_on).categories.get(
                dossier.category
            )
        except (PolicyError, ValueError, KeyError):
            return None

    def _ever_a_category(self, code: str) -> bool:
        extra = (c for p in self.policy.provinces.values() for c in p.extra_categories)
        return any(c.code == code for c in (*self.policy.categories, *extra))

    def _is_open(self, case_id: UUID) -> bool:
        """A claim's case still counts when its dossier is stored and not withdrawn (a claim
        left by a crash before the release is taken over)."""
        if not self._exists(case_id):
            return False
        return self.get_dossier(case_id).withdrawn_on is None

    def _exists(self, case_id: UUID) -> bool:
        return bool(self.recorder.select_events(case_id, limit=1))
