"""Reporting's payroll summary through the public APIs: lines issued by payment, then the
results the post office reported, summed per commune and payroll month."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

import contracts
from backbone.system import System
from contracts.ids import message_id
from contracts.topics import ASSESSMENT_EVENTS, CASE_EVENT_TOPICS, PAYMENT_EVENTS
from tests.support import kafka
from tests.support.api import Client, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually

COMMUNE = "02053"  # the commune of approved_in_june_2024
CHANNEL = "post_office"


def payroll(client: Client, month: str, limit: int = 5000) -> Any:
    return ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/{CHANNEL}/{month}"),
            params={"limit": limit},
            headers=token("payment_officer"),
        )
    )


def generate(client: Client, month: str) -> None:
    """Generate and wait until it is done (payment may run it in the background: 202)."""
    response = client.http.post(
        client.url("payment", "/payrolls"),
        json={"commune": COMMUNE, "channel": CHANNEL, "month": month},
        headers=token("payment_officer"),
    )
    assert response.status_code in (200, 202), response.text
    if response.json().get("status") == "generating":

        def generated() -> bool:
            status = payroll(client, month, limit=1)["status"]
            if status not in ("generating", "generated"):
                raise RuntimeError(f"payroll {month} generation ended {status}")
            return bool(status == "generated")

        eventually(generated, timeout=60, what=f"payroll {month} generated")


def summary(client: Client, commune: str, month: str, role: str = "inspector", **more: str) -> Any:
    return client.http.get(
        client.url("reporting", "/payments/summary"),
        params={"commune": commune, "month": month, **more},
        headers=token(role),
    )


def tally(lines: int, amount: int) -> dict[str, int]:
    return {"lines": lines, "amount": amount}


def test_the_summary_shows_a_payroll_as_pending_then_as_the_post_office_paid_it(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    # August's payroll carries June (540,000) and July (750,000) as arrears: never generated.
    generate(client, "2024-08")
    lines = {line["month"]: line for line in payroll(client, "2024-08")["lines"]}
    assert sorted(lines) == ["2024-06", "2024-07", "2024-08"]

    def issued() -> Any:
        found = ok(summary(client, COMMUNE, "2024-08"))
        assert found["by_result"]["pending"] == tally(3, 2_040_000), found
        return found

    first = eventually(issued, timeout=60, what="reporting shows the issued lines")
    assert first["lines"] == 3
    assert first["amount"] == 2_040_000
    assert first["by_kind"]["current"] == tally(1, 750_000)
    assert first["by_kind"]["arrears"] == tally(2, 1_290_000)

    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/{CHANNEL}/2024-08/approval"),
            json={"approved_on": "2024-08-05"},
            headers=token("approver"),
        )
    )
    results = [
        {"line_id": lines["2024-08"]["line_id"], "result": "paid_at_point"},
        {"line_id": lines["2024-07"]["line_id"], "result": "not_collected"},
        {"line_id": lines["2024-06"]["line_id"], "result": "paid_at_home"},
    ]
    report = ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/{CHANNEL}/2024-08/results"),
            json={"results": [{**row, "settled_on": "2024-08-20"} for row in results]},
            headers=token("post_office"),
        )
    )
    assert report["counts"] == {"recorded": 3}

    def settled() -> Any:
        found = ok(summary(client, COMMUNE, "2024-08", role="payment_officer"))
        assert found["by_result"]["pending"] == tally(0, 0), found
        return found

    paid = eventually(settled, timeout=60, what="reporting shows the results")
    assert paid["by_result"] == {
        "paid_at_point": tally(1, 750_000),
        "paid_at_home": tally(1, 540_000),
        "not_collected": tally(1, 750_000),
        "failed": tally(0, 0),
        "pending": tally(0, 0),
    }
    assert paid["lines"] == 3
    assert paid["amount"] == 2_040_000
    assert case_id not in str(paid)  # sums only: no case, no person
    # per channel: the lines were on the post-office payroll, none delivered at home
    by_post = ok(summary(client, COMMUNE, "2024-08", channel=CHANNEL))
    assert (by_post["channel"], by_post["lines"]) == (CHANNEL, 3)
    assert ok(summary(client, COMMUNE, "2024-08", channel="home_delivery"))["lines"] == 0
    assert summary(client, COMMUNE, "2024-08", channel="pigeon").status_code == 422


def test_lines_that_name_no_commune_count_for_the_residence_once_the_approval_arrives(
    system: System, client: Client
) -> None:
    """Lines published before payroll events named their commune (v1) count for the case's
    residence. The payment topic can be read ahead of the assessment topic: such a line
    waits until the residence arrives, and a line delivered twice counts once."""
    commune, case_id = "00004", uuid.uuid4()
    line = {"line_id": f"{case_id}:2024-03", "month": "2024-03", "amount": 1, "kind": "current"}
    issued = from_example(
        "vn.btxh.payment.payroll_lines_issued.v1.json",
        case_id,
        payroll_id=str(uuid.uuid4()),
        payroll_month="2024-03",
        lines=[line],
    )
    payment_topic = system.prefix + PAYMENT_EVENTS
    for _ in range(2):
        kafka.produce(bootstrap(system), payment_topic, str(case_id).encode(), issued)
    eventually(lambda: client.history(str(case_id)), timeout=60, what="reporting saw the lines")
    assert ok(summary(client, commune, "2024-03"))["lines"] == 0

    approved = from_example(
        "vn.btxh.assessment.case_approved.v2.json",
        case_id,
        residence={"scheme": "DVHC_2025_2LEVEL", "code": commune, "name": None},
    )
    kafka.produce(
        bootstrap(system), system.prefix + ASSESSMENT_EVENTS, str(case_id).encode(), approved
    )

    def placed() -> Any:
        found = ok(summary(client, commune, "2024-03"))
        assert found["lines"] == 1, found
        return found

    assert eventually(placed, timeout=60)["by_result"]["pending"] == tally(1, 1)
    eventually(
        lambda: kafka.consumed_everything(
            bootstrap(system), system.prefix, "reporting", [payment_topic]
        ),
        timeout=60,
        what="reporting read the second delivery too",
    )
    assert ok(summary(client, commune, "2024-03"))["lines"] == 1


def test_a_summary_query_in_the_wrong_form_is_refused_with_what_to_send(client: Client) -> None:
    bad_commune = summary(client, "2053", "2024-08")
    assert bad_commune.status_code == 422
    assert "5 digits" in bad_commune.json()["detail"]
    bad_month = summary(client, COMMUNE, "2024-13")
    assert bad_month.status_code == 422
    assert "YYYY-MM" in bad_month.json()["detail"]
    assert summary(client, COMMUNE, "2024-08", role="commune_officer").status_code == 403
    nothing = ok(summary(client, "99999", "2024-08"))
    assert nothing["lines"] == 0
    assert nothing["by_result"]["pending"] == tally(0, 0)


def test_the_payroll_lines_rebuilt_from_zero_equal_the_live_ones(
    system: System, client: Client
) -> None:
    """After the tests above, the topics also hold settled lines and lines placed by the
    residence: the rebuild must agree on those too."""
    approved_in_june_2024(client)
    generate(client, "2024-09")
    topics = [system.prefix + t for t in CASE_EVENT_TOPICS]
    eventually(
        lambda: kafka.consumed_everything(bootstrap(system), system.prefix, "reporting", topics),
        timeout=60,
        what="the live projection caught up",
    )
    system.add_process(
        "reporting-rebuild",
        "reporting",
        "worker",
        {"BTXH_PROJECTION_SCHEMA": "reporting_payroll_rebuild"},
    )
    eventually(
        lambda: kafka.consumed_everything(
            bootstrap(system), system.prefix, "reporting-payroll-rebuild", topics
        ),
        timeout=90,
        what="the rebuild caught up",
    )

    url = system.processes["reporting-api"].env["BTXH_DATABASE_URL"]
    with psycopg.connect(url, row_factory=dict_row) as conn:

        def lines(schema: str) -> list[dict[str, Any]]:
            return conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY line_id").format(
                    sql.Identifier(system.prefix + schema, "payroll_line")
                )
            ).fetchall()

        live_lines = lines("reporting")
        assert live_lines == lines("reporting_payroll_rebuild")
    assert any(line["commune"] == COMMUNE and line["result"] is None for line in live_lines)


def bootstrap(system: System) -> str:
    return system.processes["payment-api"].env["BTXH_KAFKA_BOOTSTRAP"]


def from_example(name: str, case_id: uuid.UUID, **data: Any) -> bytes:
    """A published example message, made the first event of a new stream of `case_id`
    (older schema versions are fine: subscribers upcast them)."""
    message = json.loads((Path(contracts.__file__).parent / "examples" / name).read_text("utf-8"))
    originator = uuid.uuid4()
    message.update(
        id=str(message_id(originator, 1)),
        subject=str(case_id),
        originatorid=str(originator),
        originatorversion=1,
        time=datetime.now(UTC).isoformat(),
        correlationid=str(uuid.uuid4()),
        data={**message["data"], **data, "case_id": str(case_id)},
    )
    return json.dumps(message, ensure_ascii=False).encode()
