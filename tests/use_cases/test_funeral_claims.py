"""Funeral support for a person of 80 or more who received a survivor or other monthly allowance
and no btxh allowance (Decree 20/2021 Art. 11): intake receives the claim (Form 04) and opens
the deceased's own case; payment records it and decides the support there, once per person.

Given dossiers, claims and decisions, when a claim or a decision comes, then these cases,
events and refusals (and nothing stored on a refusal)."""

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from backbone.actor import Actor
from contracts.intake import FuneralClaimReceivedV1
from contracts.payment import FuneralSupportDecidedV3
from reference.date_bounds import DateOutOfRange
from services.intake.application import (
    DuplicateFuneralClaim,
    FuneralSupportOnOwnCase,
    IntakeApplication,
    NotOwnCommune,
    PersonDeceased,
    ReceiveFuneralClaim,
)
from services.intake.domain.funeral_claim import FuneralClaim, InvalidFuneralClaim
from services.intake.messaging import outbound as intake_outbound
from services.payment.application import EntitlementNotFound, InvalidChange, PaymentApplication
from services.payment.messaging import outbound as payment_outbound
from tests.support.use_cases import (
    APPROVER,
    COMMUNE,
    OFFICER,
    OLD_COMMUNE,
    OLD_SCHEME,
    PAYMENT_OFFICER,
    POST_OFFICE,
    Recorded,
    approval,
    dossier,
    enrol,
    event_of,
    personal_id,
)

TODAY = date(2026, 12, 1)
BORN = date(1941, 4, 2)  # 85 on a death in 2026
DIED = date(2026, 3, 20)
RECEIVED = date(2026, 3, 27)


def claim(
    *,
    born: date = BORN,
    died_on: date = DIED,
    received_on: date = RECEIVED,
    number: str | None = None,
    **overrides: Any,
) -> ReceiveFuneralClaim:
    """A claim intake accepts (both copies presented), unless overridden."""
    fields: dict[str, Any] = {
        "full_name": "Người Thử Mai Táng",
        "date_of_birth": born,
        "sex": "male",
        "personal_id": number or personal_id(born, "male"),
        "residence_scheme": "DVHC_2025_2LEVEL",
        "residence_code": COMMUNE,
        "died_on": died_on,
        "ground": "survivor_allowance_80_plus",
        "allowance_stopped_by": "Quyết định 12/QĐ-BHXH ngày 25/03/2026",
        "organiser": {"full_name": "Người Tổ Chức", "relationship": "son"},
        "received_on": received_on,
        "documents_presented": ("death_certificate", "allowance_stop_decision"),
    }
    return ReceiveFuneralClaim(**{**fields, **overrides})


def receive(
    intake: IntakeApplication, command: ReceiveFuneralClaim, actor: Actor = OFFICER
) -> FuneralClaim:
    return intake.receive_funeral_claim(
        command, actor=actor, correlation_id=uuid.uuid4(), today=TODAY
    )


# --- intake ----------------------------------------------------------------------------------


def test_a_claim_for_a_person_of_85_opens_the_deceaseds_own_case(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)

    received = receive(intake, claim())

    assert recorded.names == ["FuneralClaim.Received"]
    assert (received.died_on, received.ground) == (DIED, "survivor_allowance_80_plus")
    assert intake.get_funeral_claim(received.id).person_id == received.person_id


def test_the_published_claim_carries_no_name_and_no_id_number(
    intake: IntakeApplication,
) -> None:
    recorded = Recorded(intake)
    received = receive(intake, claim(number="001041123456", born=date(1941, 4, 2)))

    published = intake_outbound.to_contract(recorded.events[0])

    assert isinstance(published, FuneralClaimReceivedV1)
    assert published.model_dump(mode="json") == {
        "event": "funeral_claim_received",
        "case_id": str(received.id),
        "person_id": str(received.person_id),
        "died_on": "2026-03-20",
        "residence": {"scheme": "DVHC_2025_2LEVEL", "code": COMMUNE, "name": None},
        "ground": "survivor_allowance_80_plus",
        "received_on": "2026-03-27",
    }
    assert "001041123456" not in published.model_dump_json()


def test_the_deceased_is_the_person_a_withdrawn_dossier_recorded(
    intake: IntakeApplication,
) -> None:
    number = personal_id(BORN, "male")
    applied = intake.receive_dossier(
        dossier(
            number=number,
            born=BORN,
            sex="male",
            category="ELDERLY_80P_NO_PENSION",
            received_on=date(2026, 1, 5),
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    intake.withdraw_dossier(
        applied.id,
        withdrawn_on=date(2026, 1, 9),
        reason="Đã hưởng trợ cấp tuất",
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )

    received = receive(intake, claim(number=number))

    assert received.person_id == applied.person_id
    assert received.id != applied.id


def test_a_person_who_turned_80_on_the_day_of_death_is_owed_and_one_day_short_is_not(
    intake: IntakeApplication,
) -> None:
    receive(intake, claim(born=date(1946, 3, 20)))
    recorded = Recorded(intake)

    with pytest.raises(InvalidFuneralClaim, match="was 79 on 2026-03-20"):
        receive(intake, claim(born=date(1946, 3, 21)))

    assert recorded.events == []


@pytest.mark.parametrize(
    ("dates", "refusal", "message"),
    [
        ({"died_on": date(2026, 12, 2)}, DateOutOfRange, "died_on 2026-12-02 is in the future"),
        (
            {"born": date(2015, 1, 1), "died_on": date(2014, 6, 1)},
            InvalidFuneralClaim,
            "before the date of birth",
        ),
        ({"received_on": date(2026, 3, 19)}, InvalidFuneralClaim, "before the death"),
        ({"received_on": date(2026, 12, 2)}, DateOutOfRange, "in the future"),
        ({"born": date(2027, 1, 1)}, DateOutOfRange, "date_of_birth 2027-01-01 is in the future"),
    ],
)
def test_impossible_dates_are_refused_and_nothing_is_stored(
    intake: IntakeApplication, dates: dict[str, date], refusal: type[Exception], message: str
) -> None:
    recorded = Recorded(intake)

    with pytest.raises(refusal, match=message):
        receive(intake, claim(**dates))

    assert recorded.events == []


def test_a_person_with_a_monthly_allowance_case_has_the_support_decided_on_that_case(
    intake: IntakeApplication,
) -> None:
    number = personal_id(BORN, "male")
    own = intake.receive_dossier(
        dossier(
            number=number,
            born=BORN,
            sex="male",
            category="ELDERLY_80P_NO_PENSION",
            received_on=date(2025, 9, 5),
        ),
        actor=OFFICER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    recorded = Recorded(intake)

    with pytest.raises(FuneralSupportOnOwnCase) as refused:
        receive(intake, claim(number=number))

    assert refused.value.case_id == own.id
    assert str(own.id) in str(refused.value)
    assert recorded.events == []
    # Nothing was kept: the refusal did not leave the person's claim behind.
    with pytest.raises(FuneralSupportOnOwnCase):
        receive(intake, claim(number=number))


def test_a_second_claim_for_the_same_person_is_refused_naming_the_first(
    intake: IntakeApplication,
) -> None:
    number = personal_id(BORN, "male")
    first = receive(intake, claim(number=number))
    recorded = Recorded(intake)

    with pytest.raises(DuplicateFuneralClaim) as refused:
        receive(intake, claim(number=number, ground="other_monthly_allowance_80_plus"))

    assert refused.value.case_id == first.id
    assert recorded.events == []


def test_no_dossier_is_received_for_a_person_a_funeral_claim_records_as_deceased(
    intake: IntakeApplication,
) -> None:
    number = personal_id(BORN, "male")
    received = receive(intake, claim(number=number))

    with pytest.raises(PersonDeceased) as refused:
        intake.receive_dossier(
            dossier(number=number, born=BORN, sex="male", category="ELDERLY_80P_NO_PENSION"),
            actor=OFFICER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )

    assert refused.value.case_id == received.id


def test_a_commune_officer_receives_claims_of_their_own_commune_only(
    intake: IntakeApplication,
) -> None:
    elsewhere = Actor("officer-9", "commune_officer", "00004")
    recorded = Recorded(intake)

    with pytest.raises(NotOwnCommune, match="00004"):
        receive(intake, claim(), actor=elsewhere)

    assert recorded.events == []


def test_a_death_before_july_2025_names_the_old_commune_and_the_new_commune_receives_it(
    intake: IntakeApplication,
) -> None:
    received = receive(
        intake,
        claim(
            born=date(1940, 1, 1),
            died_on=date(2025, 5, 10),
            residence_scheme=OLD_SCHEME,
            residence_code=OLD_COMMUNE,
        ),
    )

    assert (received.residence_scheme, received.residence_code) == (OLD_SCHEME, OLD_COMMUNE)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"documents_presented": ("death_certificate",)}, "needs allowance_stop_decision"),
        ({"allowance_stopped_by": "  "}, "allowance_stopped_by"),
        ({"organiser": {"full_name": " ", "relationship": "son"}}, "organiser"),
        ({"ground": "pension_80_plus"}, "ground must be one of"),
    ],
)
def test_a_claim_without_its_dossier_is_refused(
    intake: IntakeApplication, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidFuneralClaim, match=message):
        receive(intake, claim(**overrides))


# --- payment ---------------------------------------------------------------------------------


def recorded_claim(
    payment: PaymentApplication,
    *,
    person_id: UUID | None = None,
    died_on: date = DIED,
    received_on: date = RECEIVED,
    scheme: str = "DVHC_2025_2LEVEL",
    commune: str = COMMUNE,
) -> UUID:
    """Payment's subscriber hands a funeral_claim_received message to the use case, as the
    first event of the claim's intake stream; the case id."""
    case_id = uuid.uuid4()
    payment.record_funeral_claim(
        claim={
            "case_id": case_id,
            "person_id": person_id or uuid.uuid4(),
            "died_on": died_on,
            "residence_scheme": scheme,
            "residence_code": commune,
            "ground": "survivor_allowance_80_plus",
            "received_on": received_on,
        },
        actor=Actor("service:payment", "system"),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id),
    )
    return case_id


def decide(payment: PaymentApplication, case_id: UUID, **overrides: Any) -> dict[str, Any]:
    """The funeral support decided on the claim case (amount, decision_number, ...)."""
    fields: dict[str, Any] = {
        "decision_number": f"{str(case_id)[:4]}/QĐ-UBND",
        "signed_on": date(2026, 4, 2),
        "organiser": "Con trai",
        "amount": None,
    }
    payment.decide_funeral_support(
        case_id,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
        **{**fields, **overrides},
    )
    decided = payment.claim_funeral_support(case_id)
    assert decided is not None
    return decided.decided


def test_funeral_support_on_a_claim_case_is_20_standard_levels_on_the_day_of_death(
    payment: PaymentApplication,
) -> None:
    case_id = recorded_claim(payment)
    recorded = Recorded(payment)

    decided = decide(payment, case_id)

    assert decided["amount"] == 10_000_000  # 20 x 500,000 (2026, national)
    assert recorded.names == ["ClaimFuneralSupport.Decided", "FuneralSupportOnce.Decided"]
    # A stream of its own, published from its first event: subscribers count its versions.
    assert recorded.events[0].originator_version == 1
    published = payment_outbound.to_contract(recorded.events[0])
    assert isinstance(published, FuneralSupportDecidedV3)
    assert (published.deceased, published.died_on, published.case_id) == (
        "person_80_plus",
        DIED,
        case_id,
    )
    assert payment_outbound.to_contract(recorded.events[1]) is None


def test_a_death_of_2024_in_an_old_commune_is_valued_by_the_level_then(
    payment: PaymentApplication,
) -> None:
    case_id = recorded_claim(
        payment,
        died_on=date(2024, 6, 1),
        received_on=date(2024, 6, 10),
        scheme=OLD_SCHEME,
        commune=OLD_COMMUNE,
    )

    decided = decide(payment, case_id, signed_on=date(2024, 6, 14))

    assert decided["amount"] == 7_200_000  # 20 x 360,000


def test_a_province_may_pay_more_than_the_minimum_never_less(
    payment: PaymentApplication,
) -> None:
    case_id = recorded_claim(payment)

    with pytest.raises(InvalidChange, match="below the minimum 10000000"):
        decide(payment, case_id, amount=9_999_999)
    decided = decide(payment, case_id, amount=12_000_000)

    assert decided["amount"] == 12_000_000


def payroll(
    payment: PaymentApplication, month: str, commune: str = COMMUNE, channel: str = "post_office"
) -> list[dict[str, Any]]:
    """Generate and approve the commune's payroll of `month`; its lines."""
    run = payment.generate_payroll(
        commune=commune,
        channel=channel,
        month=month,
        register=payment.open_payroll_register(),
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )
    payment.approve_payroll(
        commune=commune,
        channel=channel,
        month=month,
        approved_on=date.fromisoformat(f"{month}-05"),
        actor=APPROVER,
        today=TODAY,
    )
    return payment.open_payroll_register().payroll_lines(str(run.id), 5000, 0)


def settle(
    payment: PaymentApplication, month: str, line_id: str, result: str, commune: str = COMMUNE
) -> list[dict[str, Any]]:
    return payment.record_results(
        commune=commune,
        channel="post_office",
        month=month,
        results=[{"line_id": line_id, "result": result, "settled_on": date(2026, 5, 10)}],
        source="api",
        actor=POST_OFFICE,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )


def test_a_claims_funeral_support_is_paid_on_its_communes_next_payroll_once(
    payment: PaymentApplication,
) -> None:
    # given the support decided on a claim case of Xã Chợ Đồn in April 2026
    case_id = recorded_claim(payment)
    decide(payment, case_id)

    # when the commune's payroll of April is generated, then one line pays the organiser
    lines = payroll(payment, "2026-04")
    assert [(x["case_id"], x["kind"], x["amount"]) for x in lines] == [
        (case_id, "funeral_support", 10_000_000)
    ]
    # and it is published like every payroll line, with its commune and channel
    recorded = Recorded(payment)
    assert [o["outcome"] for o in settle(payment, "2026-04", lines[0]["line_id"], "paid_at_point")]
    assert recorded.names == ["ClaimFuneralSupport.LineSettled"]
    # when the next payroll is generated, then nothing is paid twice
    assert payroll(payment, "2026-05") == []


def test_a_claims_line_returned_unpaid_is_issued_again(payment: PaymentApplication) -> None:
    case_id = recorded_claim(payment)
    decide(payment, case_id)
    first = payroll(payment, "2026-04")
    settle(payment, "2026-04", first[0]["line_id"], "not_collected")

    again = payroll(payment, "2026-05")

    assert [(x["case_id"], x["amount"]) for x in again] == [(case_id, 10_000_000)]
    assert again[0]["line_id"] != first[0]["line_id"]


def test_a_claim_is_paid_on_the_channel_its_decision_names_and_not_before_the_month_signed(
    payment: PaymentApplication,
) -> None:
    case_id = recorded_claim(payment)
    decide(payment, case_id, channel="bank_account", signed_on=date(2026, 4, 2))

    assert payroll(payment, "2026-03", channel="bank_account") == []
    assert payroll(payment, "2026-04") == []  # post office: not its channel
    assert [x["case_id"] for x in payroll(payment, "2026-04", channel="bank_account")] == [case_id]
    assert payment.claim_funeral_support(case_id).decided["channel"] == "bank_account"  # type: ignore[union-attr]


def test_a_death_in_an_old_commune_decided_after_june_2025_is_paid_by_the_2025_commune(
    payment: PaymentApplication,
) -> None:
    # given a death in May 2025 in old commune 02053, which went whole into 02020
    case_id = recorded_claim(
        payment,
        died_on=date(2025, 5, 20),
        received_on=date(2025, 6, 20),
        scheme=OLD_SCHEME,
        commune=OLD_COMMUNE,
    )
    decide(payment, case_id, signed_on=date(2025, 7, 3))

    lines = payroll(payment, "2025-07")

    assert [(x["case_id"], x["amount"]) for x in lines] == [(case_id, 10_000_000)]


def test_an_old_commune_that_was_split_needs_the_paying_commune_named(
    payment: PaymentApplication,
) -> None:
    split = next(
        code for code, successors in payment.admin_units._successors.items() if len(successors) > 1
    )
    case_id = recorded_claim(
        payment,
        died_on=date(2025, 5, 20),
        received_on=date(2025, 6, 20),
        scheme=OLD_SCHEME,
        commune=split,
    )
    with pytest.raises(InvalidChange, match="paying_commune must name"):
        decide(payment, case_id, signed_on=date(2025, 7, 3))
    assert payment.claim_funeral_support(case_id) is None  # nothing stored
    successor = payment.admin_units.successors(split)[0].code
    with pytest.raises(InvalidChange, match="paying_commune must name"):
        decide(payment, case_id, signed_on=date(2025, 7, 3), paying_commune="99999")

    decide(payment, case_id, signed_on=date(2025, 7, 3), paying_commune=successor)

    assert [x["case_id"] for x in payroll(payment, "2025-07", commune=successor)] == [case_id]


def test_an_allowance_cases_funeral_support_takes_no_channel_of_its_own(
    payment: PaymentApplication,
) -> None:
    case_id = enrol(payment, approval(signed_on=date(2026, 1, 5)))
    payment.cease(
        case_id,
        reason="death",
        event_date=DIED,
        decision_number="5/QĐ-UBND",
        signed_on=date(2026, 3, 25),
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    with pytest.raises(InvalidChange, match="paid on its own payroll"):
        payment.decide_funeral_support(
            case_id,
            decision_number="6/QĐ-UBND",
            signed_on=date(2026, 4, 2),
            organiser="Con gái",
            amount=None,
            channel="bank_account",
            actor=APPROVER,
            correlation_id=uuid.uuid4(),
            today=TODAY,
        )


def test_the_same_claim_message_applied_twice_is_recorded_once(
    payment: PaymentApplication,
) -> None:
    case_id = uuid.uuid4()
    message: dict[str, Any] = {
        "claim": {
            "case_id": case_id,
            "person_id": uuid.uuid4(),
            "died_on": DIED,
            "residence_scheme": "DVHC_2025_2LEVEL",
            "residence_code": COMMUNE,
            "ground": "survivor_allowance_80_plus",
            "received_on": RECEIVED,
        },
        "actor": Actor("service:payment", "system"),
        "correlation_id": uuid.uuid4(),
        "causation_id": uuid.uuid4(),
    }
    recorded = Recorded(payment)
    payment.record_funeral_claim(**message, tracking=event_of("btxh/intake", case_id))
    assert recorded.names == ["FuneralClaim.Recorded"]
    assert payment_outbound.to_contract(recorded.events[0]) is None  # intake published it
    recorded = Recorded(payment)

    with pytest.raises(IntegrityError):  # the tracked consumer counts it as a duplicate
        payment.record_funeral_claim(**message, tracking=event_of("btxh/intake", case_id))

    assert recorded.events == []


def test_a_second_decision_on_the_claim_case_is_refused_naming_the_first(
    payment: PaymentApplication,
) -> None:
    case_id = recorded_claim(payment)
    decide(payment, case_id, decision_number="7/QĐ-UBND")
    recorded = Recorded(payment)

    with pytest.raises(InvalidChange, match=r"7/QĐ-UBND.*once per deceased person"):
        decide(payment, case_id, decision_number="8/QĐ-UBND")

    assert recorded.events == []


def test_a_person_whose_funeral_support_was_decided_on_another_case_gets_none_on_a_claim(
    payment: PaymentApplication,
) -> None:
    person = uuid.uuid4()
    own = enrol(payment, approval(person_id=person, signed_on=date(2024, 8, 5)))
    payment.cease(
        own,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        reason="death",
        event_date=DIED,
        decision_number="5/QĐ-UBND",
        signed_on=date(2026, 3, 25),
        today=TODAY,
    )
    payment.decide_funeral_support(
        own,
        decision_number="6/QĐ-UBND",
        signed_on=date(2026, 4, 2),
        organiser="Con gái",
        amount=None,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    claimed = recorded_claim(payment, person_id=person)
    recorded = Recorded(payment)

    with pytest.raises(InvalidChange, match=f"6/QĐ-UBND .*case {own}.*once per deceased"):
        decide(payment, claimed)

    assert recorded.events == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signed_on": date(2026, 3, 26)}, "before the claim was received"),
        ({"signed_on": date(2026, 12, 2)}, "in the future"),
        ({"organiser": " "}, "organiser"),
        ({"died_on": DIED}, "give neither dependant_id nor died_on"),
        ({"dependant_id": uuid.uuid4(), "died_on": DIED}, "give neither"),
    ],
)
def test_a_decision_on_a_claim_case_that_breaks_a_rule_is_refused(
    payment: PaymentApplication, overrides: dict[str, Any], message: str
) -> None:
    case_id = recorded_claim(payment)
    recorded = Recorded(payment)

    with pytest.raises((InvalidChange, DateOutOfRange), match=message):
        decide(payment, case_id, **overrides)

    assert recorded.events == []


def test_a_case_with_neither_entitlement_nor_claim_is_not_found(
    payment: PaymentApplication,
) -> None:
    with pytest.raises(EntitlementNotFound):
        decide(payment, uuid.uuid4())
