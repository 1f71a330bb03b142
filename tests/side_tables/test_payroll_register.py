"""Payment's payroll register, one contract run against both implementations: kept from the
application's own events, it says whom a commune's payroll pays and holds each payroll's
lines and results (PostgreSQL tables, or the in-memory stand-in of the fast tier)."""

import uuid
from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from services.payment.application import PaymentApplication
from services.payment.domain.payroll import payroll_id
from services.payment.settings import PaymentSettings
from tests.support.use_cases import (
    APPROVER,
    OLD_COMMUNE,
    OLD_SCHEME,
    PAYMENT_OFFICER,
    POST_OFFICE,
    STORES,
    approval,
    event_of,
    service_actor,
    settings_on,
)

TODAY = date(2024, 12, 2)
DVHC_2025 = "DVHC_2025_2LEVEL"
OTHER_COMMUNE = "00004"  # Phường Trúc Bạch, Hà Nội (2004 scheme)


@pytest.fixture(params=STORES)
def payment(request: pytest.FixtureRequest) -> Iterator[PaymentApplication]:
    app = PaymentApplication(settings_on(request.param, PaymentSettings, request))
    yield app
    app.close()


def enrolled(payment: PaymentApplication, commune: str = OLD_COMMUNE) -> UUID:
    """A beneficiary enrolled from June 2024 by an approval signed on 3 June 2024."""
    decided = approval(commune=commune)
    payment.enrol(
        approval=decided,
        actor=service_actor("payment"),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/assessment", decided["case_id"]),
    )
    case_id: UUID = decided["case_id"]
    return case_id


def listed(
    payment: PaymentApplication,
    commune: str,
    channel: str,
    month: str,
    scheme: str = OLD_SCHEME,
) -> list[UUID]:
    """Whom the payroll of `month` of the commune pays: those who lived there that month."""
    register = payment.open_payroll_register()
    return [
        c
        for batch in register.entitlements(commune, channel, month, scheme=scheme, living_in=month)
        for c in batch
    ]


def test_a_communes_entitlements_on_a_channel_come_in_case_order_in_batches(
    payment: PaymentApplication,
) -> None:
    mine = [enrolled(payment) for _ in range(5)]
    elsewhere = enrolled(payment, OTHER_COMMUNE)

    register = payment.open_payroll_register()
    batches = list(
        register.entitlements(
            OLD_COMMUNE, "post_office", "2024-06", batch=2, scheme=OLD_SCHEME, living_in="2024-06"
        )
    )

    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert [c for batch in batches for c in batch] == sorted(mine)
    assert listed(payment, OTHER_COMMUNE, "post_office", "2024-06") == [elsewhere]
    assert listed(payment, OLD_COMMUNE, "home_delivery", "2024-06") == []


def test_a_change_of_channel_a_move_and_a_cessation_are_followed(
    payment: PaymentApplication,
) -> None:
    at_home, moved, died, stays = (enrolled(payment) for _ in range(4))
    decided = {"actor": APPROVER, "correlation_id": uuid.uuid4(), "today": TODAY}
    payment.change_channel(
        at_home, channel="home_delivery", decided_on=TODAY, reason="không đi lại được", **decided
    )
    payment.move_out(
        moved,
        moved_on=date(2024, 9, 10),
        to_scheme=OLD_SCHEME,
        to_code=OTHER_COMMUNE,
        decision_number="5/QĐ",
        signed_on=date(2024, 9, 20),
        **decided,
    )
    payment.move_in(moved, decision_number="6/QĐ", signed_on=date(2024, 10, 1), **decided)
    payment.cease(
        died,
        reason="death",
        event_date=date(2024, 8, 15),
        decision_number="7/QĐ",
        signed_on=date(2024, 8, 20),
        **decided,
    )

    assert listed(payment, OLD_COMMUNE, "post_office", "2024-08") == sorted([died, moved, stays])
    # Ceased from September; the old commune pays September, the month of the move.
    assert listed(payment, OLD_COMMUNE, "post_office", "2024-09") == sorted([moved, stays])
    assert listed(payment, OLD_COMMUNE, "home_delivery", "2024-09") == [at_home]
    assert listed(payment, OLD_COMMUNE, "post_office", "2024-10") == [stays]
    assert listed(payment, OTHER_COMMUNE, "post_office", "2024-10") == [moved]


def test_from_july_2025_the_2025_commune_pays_the_beneficiaries_of_the_old_one_it_took_over(
    payment: PaymentApplication,
) -> None:
    """Xã Ngọc Phái (02053) went whole into Xã Chợ Đồn (02020) on 1 July 2025."""
    running = enrolled(payment)

    assert listed(payment, OLD_COMMUNE, "post_office", "2025-06") == [running]
    assert listed(payment, "02020", "post_office", "2025-07", DVHC_2025) == [running]
    assert listed(payment, "02020", "post_office", "2025-06", DVHC_2025) == []


def test_a_payrolls_lines_are_paged_by_case_and_month_and_totalled_by_result(
    payment: PaymentApplication,
) -> None:
    first, second = sorted(enrolled(payment) for _ in range(2))
    register = payment.open_payroll_register()
    payment.generate_payroll(
        commune=OLD_COMMUNE,
        channel="post_office",
        month="2024-08",
        register=register,
        actor=PAYMENT_OFFICER,
        correlation_id=uuid.uuid4(),
    )
    run = str(payroll_id(OLD_COMMUNE, "post_office", "2024-08"))

    lines = register.payroll_lines(run, limit=100, offset=0)

    assert [(line["case_id"], line["month"], line["kind"], line["amount"]) for line in lines] == [
        (case_id, month, kind, amount)
        for case_id in (first, second)
        for month, kind, amount in [
            ("2024-06", "arrears", 540_000),  # 360,000 x 1.5
            ("2024-07", "arrears", 750_000),  # 500,000 x 1.5 from 1 July 2024
            ("2024-08", "current", 750_000),
        ]
    ]
    assert {line["payroll_id"] for line in lines} == {run}
    assert register.payroll_lines(run, limit=2, offset=3) == lines[3:5]
    assert register.totals(run) == {
        "lines": 6,
        "beneficiaries": 2,
        "total": 4_080_000,
        "arrears": 2_580_000,
        "by_result": {"pending": {"lines": 6, "amount": 4_080_000}},
    }

    payment.approve_payroll(
        commune=OLD_COMMUNE,
        channel="post_office",
        month="2024-08",
        approved_on=date(2024, 8, 5),
        actor=APPROVER,
        today=TODAY,
    )
    payment.record_results(
        commune=OLD_COMMUNE,
        channel="post_office",
        month="2024-08",
        results=[
            {"line_id": lines[0]["line_id"], "result": "paid_at_point", "settled_on": TODAY},
            {"line_id": lines[5]["line_id"], "result": "not_collected", "settled_on": TODAY},
        ],
        source="api",
        actor=POST_OFFICE,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )

    assert register.totals(run)["by_result"] == {
        "not_collected": {"lines": 1, "amount": 750_000},
        "paid_at_point": {"lines": 1, "amount": 540_000},
        "pending": {"lines": 4, "amount": 2_790_000},
    }
    assert register.payroll_lines(run, limit=1, offset=0)[0]["result"] == "paid_at_point"


def test_a_funeral_claim_case_is_paid_by_its_commune_until_paid_and_is_no_entitlement(
    payment: PaymentApplication,
) -> None:
    # given the support decided on a funeral claim case of the old commune, in June 2024
    case_id = uuid.uuid4()
    payment.record_funeral_claim(
        claim={
            "case_id": case_id,
            "person_id": uuid.uuid4(),
            "died_on": date(2024, 6, 1),
            "residence_scheme": OLD_SCHEME,
            "residence_code": OLD_COMMUNE,
            "ground": "survivor_allowance_80_plus",
            "received_on": date(2024, 6, 5),
        },
        actor=service_actor("payment"),
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        tracking=event_of("btxh/intake", case_id),
    )
    payment.decide_funeral_support(
        case_id,
        decision_number="7/QĐ-UBND",
        signed_on=date(2024, 6, 10),
        organiser="Con trai",
        amount=None,
        actor=APPROVER,
        correlation_id=uuid.uuid4(),
        today=TODAY,
    )
    register = payment.open_payroll_register()

    # then its commune's payroll pays it, and nothing that walks entitlements meets it
    assert listed(payment, OLD_COMMUNE, "post_office", "2024-06") == [case_id]
    assert [c for b in register.under_scheme(OLD_SCHEME, "2024-01") for c in b] == []
    assert [c for b in register.under_scheme(DVHC_2025, "2024-01") for c in b] == []
