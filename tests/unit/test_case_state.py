"""The state of a case on any date, folded from its events in any arrival order."""

import itertools
import random
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from reference.valuation import Valuation
from services.reporting.projections.case_state import (
    Fact,
    Residence,
    monthly_amount,
    periods,
    rolled_up,
    state_as_of,
)

CASE = uuid4()
OLD = {"scheme": "DVHC_2004_3LEVEL", "code": "02053"}
NEW = {"scheme": "DVHC_2025_2LEVEL", "code": "02020"}
ELSEWHERE = {"scheme": "DVHC_2025_2LEVEL", "code": "00004"}
CATEGORY = "ELDERLY_POOR_NO_SUPPORTER_60_80"
_versions = itertools.count(1)

VALUATION = Valuation.of()


def fact(kind: str, source: str, recorded: str, **data: Any) -> Fact:
    return Fact.from_row(
        {
            "type": f"vn.btxh.{source}.{kind}",
            "data": {"case_id": str(CASE), **data},
            "recorded_at": datetime.fromisoformat(recorded).replace(tzinfo=UTC),
            "source": source,
            "version": next(_versions),
        }
    )


def life() -> list[Fact]:
    """Received and approved in June 2024 (old commune), moved in March 2025, died in 2026."""
    return [
        fact(
            "dossier_received",
            "intake",
            "2024-06-03T02:00:00",
            received_on="2024-06-03",
            benefit="monthly_allowance",
            category=CATEGORY,
            residence=OLD,
            applicant={"full_name": "Người thử", "date_of_birth": "1950-05-17"},
        ),
        fact(
            "case_approved",
            "assessment",
            "2024-06-20T03:00:00",
            signed_on="2024-06-20",
            benefit="monthly_allowance",
            category=CATEGORY,
            categories_held=[CATEGORY],
            residence=OLD,
            decision_number="QĐ-1",
            coefficient="1.5",
            monthly_amount=540000,
            effective_month="2024-06",
            authority="COMMUNE_CHAIRMAN",
            legal_basis=["Nghị định 20/2021/NĐ-CP"],
        ),
        fact("beneficiary_enrolled", "payment", "2024-06-20T04:00:00", from_month="2024-06"),
        fact(
            "beneficiary_moved_out",
            "payment",
            "2025-02-20T04:00:00",
            from_month="2025-03",
            to_residence=ELSEWHERE,
        ),
        fact(
            "beneficiary_moved_in",
            "payment",
            "2025-04-02T04:00:00",
            from_month="2025-03",
            residence=ELSEWHERE,
            decision_number="QĐ-2",
        ),
        fact(
            "entitlement_ceased",
            "payment",
            "2026-05-10T04:00:00",
            from_month="2026-03",
            reason="death",
            event_date="2026-02-14",
            decision_number="QĐ-3",
        ),
    ]


def test_the_amount_follows_the_standard_level_in_force_around_1_july_2024() -> None:
    facts = life()
    before = state_as_of(CASE, facts, date(2024, 6, 30), valuation=VALUATION)
    after = state_as_of(CASE, facts, date(2024, 7, 1), valuation=VALUATION)
    assert before is not None
    assert after is not None
    assert before.status == after.status == "active"
    assert monthly_amount(before, VALUATION) == 360_000 * 3 // 2
    assert monthly_amount(after, VALUATION) == 500_000 * 3 // 2


def test_statuses_by_date_and_nothing_before_the_dossier() -> None:
    facts = life()
    assert state_as_of(CASE, facts, date(2024, 6, 2), valuation=VALUATION) is None
    on = {
        d: state_as_of(CASE, facts, d, valuation=VALUATION)
        for d in (date(2024, 6, 10), date(2026, 3, 1))
    }
    assert on[date(2024, 6, 10)] is not None
    assert on[date(2024, 6, 10)].status == "received"
    ceased = on[date(2026, 3, 1)]
    assert ceased is not None
    assert ceased.status == "ceased"
    assert ceased.died_on == date(2026, 2, 14)


def test_a_relocated_case_is_in_the_right_commune_on_each_date() -> None:
    facts = life()
    february = state_as_of(CASE, facts, date(2025, 2, 28), valuation=VALUATION)
    march = state_as_of(CASE, facts, date(2025, 3, 1), valuation=VALUATION)
    assert february is not None
    assert march is not None
    assert (february.residence, february.commune_code) == (Residence(**OLD), "02020")
    assert (march.residence, march.commune_code) == (Residence(**ELSEWHERE), "00004")


def test_what_was_known_then_differs_from_what_is_known_now() -> None:
    """The death was recorded in May 2026: in April the case was still thought active."""
    facts = life()
    known_in_april = state_as_of(
        CASE,
        facts,
        date(2026, 3, 15),
        valuation=VALUATION,
        known_at=datetime(2026, 4, 30, tzinfo=UTC),
    )
    known_now = state_as_of(CASE, facts, date(2026, 3, 15), valuation=VALUATION)
    assert known_in_april is not None
    assert known_in_april.status == "active"
    assert known_now is not None
    assert known_now.status == "ceased"


def test_any_arrival_order_and_duplicates_give_the_same_periods() -> None:
    facts = life()
    expected = periods(CASE, facts, VALUATION)
    assert [p.state.status for p in expected] == ["received", "active", "active", "ceased"]
    assert expected[-1].valid_to is None
    for seed in range(20):
        shuffled = facts + random.Random(seed).sample(facts, k=3)
        random.Random(seed).shuffle(shuffled)
        assert periods(CASE, shuffled, VALUATION) == expected


def test_a_split_old_commune_is_not_guessed() -> None:
    split = rolled_up(Residence("DVHC_2004_3LEVEL", "00007"), VALUATION.units)
    assert split.commune_code is None
    assert len(split.candidates) >= 2
    whole = rolled_up(Residence("DVHC_2004_3LEVEL", "02053"), VALUATION.units)
    assert whole.commune_code == "02020"
    assert whole.province_code == "19"


def funeral_claim() -> list[Fact]:
    """A funeral claim for a person of 80 or more with no allowance (Decree 20/2021 Art. 11),
    then the funeral support decided on it."""
    return [
        fact(
            "funeral_claim_received",
            "intake",
            "2026-03-27T02:00:00",
            person_id=str(uuid4()),
            died_on="2026-03-20",
            residence=NEW,
            ground="survivor_allowance_80_plus",
            received_on="2026-03-27",
        ),
        fact(
            "funeral_support_decided",
            "payment",
            "2026-04-02T03:00:00",
            amount=10_000_000,
            standard_level=500_000,
            policy_version="v",
            decision_number="12/QĐ-UBND",
            signed_on="2026-04-02",
            deceased="person_80_plus",
            dependant_id=None,
            died_on="2026-03-20",
        ),
    ]


def test_a_funeral_claim_case_is_received_in_its_commune_then_granted_by_its_decision() -> None:
    facts = funeral_claim()

    received = state_as_of(CASE, facts, date(2026, 3, 30), valuation=VALUATION)
    decided = state_as_of(CASE, reversed(facts), date(2026, 4, 2), valuation=VALUATION)

    assert received is not None
    assert decided is not None
    assert (received.status, received.benefit, received.commune_code) == (
        "received",
        "funeral_support",
        "02020",
    )
    assert received.died_on == date(2026, 3, 20)
    assert (decided.status, decided.decision_number, decided.decided_amount) == (
        "approved",
        "12/QĐ-UBND",
        10_000_000,
    )
    assert [p.state.status for p in periods(CASE, facts, VALUATION)] == ["received", "approved"]


def test_funeral_support_of_a_beneficiary_leaves_the_allowance_case_as_it_was() -> None:
    facts = life()
    decided = fact(
        "funeral_support_decided",
        "payment",
        "2026-04-02T03:00:00",
        amount=10_000_000,
        decision_number="FS-1",
        signed_on="2026-04-02",
        deceased="beneficiary",
    )

    before = state_as_of(CASE, facts, date(2026, 4, 3), valuation=VALUATION)
    after = state_as_of(CASE, [*facts, decided], date(2026, 4, 3), valuation=VALUATION)

    assert before == after
