"""The monthly payroll through the public APIs: one line per beneficiary and month, arrears
for months owed and unpaid, idempotent generation, approval before release."""

from collections.abc import Iterator
from typing import Any

from services.payment.result_files import MAX_FILE_BYTES
from services.payment.settings import PaymentSettings
from tests.support.api import Client, ok, token
from tests.support.cases import approved_in_june_2024
from tests.support.eventually import eventually

COMMUNE = "02053"


def generate(client: Client, month: str) -> Any:
    return client.generate_payroll(COMMUNE, month)


def lines_of(client: Client, month: str, case_id: str) -> list[tuple[str, int, str]]:
    payroll = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/{month}"),
            params={"limit": 5000},
            headers=token("inspector"),
        )
    )
    return [
        (line["month"], line["amount"], line["kind"])
        for line in payroll["lines"]
        if line["case_id"] == case_id
    ]


def test_a_payroll_pays_the_month_once_and_later_payrolls_add_the_months_missed(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)

    generate(client, "2024-06")
    assert lines_of(client, "2024-06", case_id) == [("2024-06", 540_000, "current")]
    again = generate(client, "2024-06")  # running it twice changes nothing
    assert again["generations"][-1]["lines"] == 0
    assert lines_of(client, "2024-06", case_id) == [("2024-06", 540_000, "current")]

    # July's payroll was never generated: August's carries July as arrears, at July's level.
    generate(client, "2024-08")
    assert lines_of(client, "2024-08", case_id) == [
        ("2024-07", 750_000, "arrears"),
        ("2024-08", 750_000, "current"),
    ]


def test_a_payroll_is_approved_once_and_then_closed_to_generation(client: Client) -> None:
    approved_in_june_2024(client)
    generate(client, "2024-09")
    approval = client.http.post(
        client.url("payment", f"/payrolls/{COMMUNE}/post_office/2024-09/approval"),
        json={"approved_on": "2024-09-05"},
        headers=token("approver"),
    )
    assert ok(approval)["approved_by"] == "test-approver"
    closed = client.http.post(
        client.url("payment", "/payrolls"),
        json={"commune": COMMUNE, "channel": "post_office", "month": "2024-09"},
        headers=token("payment_officer"),
    )
    assert closed.status_code == 409
    assert "approved" in closed.json()["detail"]
    by_officer = client.http.post(
        client.url("payment", f"/payrolls/{COMMUNE}/post_office/2024-10/approval"),
        json={"approved_on": "2024-10-05"},
        headers=token("payment_officer"),
    )
    assert by_officer.status_code == 403


def test_results_are_recorded_once_bad_rows_are_reported_and_unpaid_lines_carry_over(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    payroll = generate(client, "2024-11")
    mine = [
        line
        for line in ok(
            client.http.get(
                client.url("payment", f"/payrolls/{COMMUNE}/post_office/2024-11"),
                params={"limit": 5000},
                headers=token("inspector"),
            )
        )["lines"]
        if line["case_id"] == case_id
    ]
    current = next(line for line in mine if line["month"] == "2024-11")
    path = f"/payrolls/{COMMUNE}/post_office/2024-11/results"

    def send(rows: list[dict[str, Any]]) -> Any:
        return client.http.post(
            client.url("payment", path), json={"results": rows}, headers=token("post_office")
        )

    early = send(
        [{"line_id": current["line_id"], "result": "not_collected", "settled_on": "2024-11-28"}]
    )
    assert early.status_code == 409  # not approved yet: nothing was paid
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2024-11/approval"),
            json={"approved_on": "2024-11-05"},
            headers=token("approver"),
        )
    )
    other_month = current["line_id"].replace(payroll["payroll_id"], "0" * 36)
    rows = [
        {"line_id": current["line_id"], "result": "not_collected", "settled_on": "2024-11-28"},
        {"line_id": current["line_id"], "result": "not_collected", "settled_on": "2024-11-28"},
        {"line_id": "garbage", "result": "paid_at_point", "settled_on": "2024-11-28"},
        {"line_id": other_month, "result": "paid_at_point", "settled_on": "2024-11-28"},
    ]
    report = ok(send(rows))
    assert report["counts"] == {
        "recorded": 1,
        "repeated": 1,
        "unknown_line": 1,
        "other_payroll": 1,
    }
    assert ok(send(rows[:1]))["counts"] == {"repeated": 1}  # the same file again: no change
    conflict = ok(send([{**rows[0], "result": "paid_at_point"}]))
    assert conflict["counts"] == {"refused": 1}

    # December's payroll owes November again, as arrears
    generate(client, "2024-12")
    december = lines_of(client, "2024-12", case_id)
    assert ("2024-11", current["amount"], "arrears") in december
    assert ("2024-12", 750_000, "current") in december


def test_a_results_file_is_read_row_by_row_and_importing_it_twice_changes_nothing(
    client: Client,
) -> None:
    import io

    from openpyxl import Workbook

    case_id = approved_in_june_2024(client)
    generate(client, "2025-01")
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-01/approval"),
            json={"approved_on": "2025-01-06"},
            headers=token("approver"),
        )
    )
    payroll = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-01"),
            params={"limit": 5000},
            headers=token("inspector"),
        )
    )
    line = next(x for x in payroll["lines"] if x["case_id"] == case_id and x["kind"] == "current")
    path = f"/payrolls/{COMMUNE}/post_office/2025-01/results/import"
    csv_file = (
        "line_id,full_name,result,settled_on\n"
        f"{line['line_id']},Người Thử,paid_at_point,15/01/2025\n"
        f"{line['line_id']},Người Thử,paid_at_point,15/01/2025\n"
        "not-a-line,Ai Đó,paid_at_home,2025-01-15\n"
        f"{line['line_id']},Người Thử,paid_at_point,hôm qua\n"
        ",,,\n"
    ).encode()

    def send(content: bytes, content_type: str, name: str) -> Any:
        return client.http.post(
            client.url("payment", path),
            params={"filename": name},
            content=content,
            headers={**token("post_office"), "Content-Type": content_type},
        )

    first = ok(send(csv_file, "text/csv", "buu-dien-2025-01.csv"))
    assert first["counts"] == {"recorded": 1, "repeated": 1, "unknown_line": 1, "refused": 1}
    assert first["rows_read"] == 4
    # only the rows an officer must look at are listed, each by its row number
    assert [(r["row"], r["outcome"]) for r in first["rows"]] == [
        (4, "unknown_line"),
        (5, "refused"),
    ]
    assert "not a date" in first["rows"][1]["reason"]
    assert first["rows_not_listed"] == 0
    second = ok(send(csv_file, "text/csv", "buu-dien-2025-01.csv"))
    assert second["counts"] == {"repeated": 2, "unknown_line": 1, "refused": 1}

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["line_id", "result", "settled_on"])
    sheet.append([line["line_id"], "paid_at_point", "2025-01-15"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ok(send(buffer.getvalue(), xlsx, "bank.xlsx"))["counts"] == {"repeated": 1}

    garbage = "line_id,result,settled_on\n" + "not-a-line,paid_at_point,2025-01-15\n" * 1001
    cut = ok(send(garbage.encode(), "text/csv", "garbage.csv"))
    assert cut["counts"] == {"unknown_line": 1001}
    assert (len(cut["rows"]), cut["rows_not_listed"]) == (1000, 1)

    no_header = send(b"a,b\n1,2\n", "text/csv", "x.csv")
    assert no_header.status_code == 422
    assert "line_id" in no_header.json()["detail"]
    assert send(b"%PDF", "application/pdf", "x.pdf").status_code == 422


def test_a_results_file_over_its_size_or_row_limit_is_refused_before_anything_is_settled(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    generate(client, "2025-03")
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-03/approval"),
            json={"approved_on": "2025-03-05"},
            headers=token("approver"),
        )
    )
    payroll = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-03"),
            params={"limit": 5000},
            headers=token("inspector"),
        )
    )
    line = next(x for x in payroll["lines"] if x["case_id"] == case_id and x["kind"] == "current")
    path = client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-03/results/import")
    header = "line_id,result,settled_on\n"
    mine = f"{line['line_id']},paid_at_point,2025-03-15\n"
    # the real line first, then padding past the file's byte limit
    oversized = (header + mine).encode() + b" " * MAX_FILE_BYTES
    csv_type = {"Content-Type": "text/csv"}

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(oversized), 1024 * 1024):
            yield oversized[start : start + 1024 * 1024]

    for content, headers in (
        (oversized, token("post_office")),
        (oversized, {}),
        (pieces(), token("post_office")),  # chunked: no Content-Length
    ):
        response = client.http.post(path, content=content, headers={**headers, **csv_type})
        assert response.status_code == 413, response.text
        assert response.json()["error"] == "PayloadTooLarge"
        assert f"at most {MAX_FILE_BYTES:,} bytes" in response.json()["detail"]

    most = PaymentSettings().result_file_max_rows
    too_many = (header + mine + "other-line,paid_at_point,2025-03-15\n" * most).encode()
    assert len(too_many) < MAX_FILE_BYTES
    refused = client.http.post(path, content=too_many, headers={**token("post_office"), **csv_type})
    assert refused.status_code == 413, refused.text
    assert refused.json()["error"] == "TooManyRows"
    assert f"more than {most:,} rows" in refused.json()["detail"]

    # nothing was settled: the line is recorded only now
    alone = ok(
        client.http.post(
            path, content=(header + mine).encode(), headers={**token("post_office"), **csv_type}
        )
    )
    assert alone["counts"] == {"recorded": 1}


def test_a_payment_after_the_month_of_death_is_an_overpayment_and_funeral_support_follows(
    client: Client,
) -> None:
    case_id = approved_in_june_2024(client)
    generate(client, "2025-02")
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-02/approval"),
            json={"approved_on": "2025-02-03"},
            headers=token("approver"),
        )
    )
    payroll = ok(
        client.http.get(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-02"),
            params={"limit": 5000},
            headers=token("inspector"),
        )
    )
    february = next(
        x for x in payroll["lines"] if x["case_id"] == case_id and x["month"] == "2025-02"
    )
    ok(
        client.http.post(
            client.url("payment", f"/payrolls/{COMMUNE}/post_office/2025-02/results"),
            json={
                "results": [
                    {
                        "line_id": february["line_id"],
                        "result": "paid_at_home",
                        "settled_on": "2025-02-10",
                    }
                ]
            },
            headers=token("post_office"),
        )
    )

    def decide(path: str, **body: Any) -> Any:
        return client.http.post(
            client.url("payment", f"/entitlements/{case_id}/{path}"),
            json=body,
            headers=token("approver"),
        )

    early = decide(
        "funeral-support", decision_number="1/QĐ", signed_on="2025-02-20", organiser="Con trai"
    )
    assert early.status_code == 422  # no death recorded yet
    # the death on 20/01/2025 is reported after February was paid at home
    dead = ok(
        decide(
            "cessation",
            reason="death",
            event_date="2025-01-20",
            decision_number="12/QĐ-UBND",
            signed_on="2025-02-18",
        )
    )
    assert dead["ceased_from"] == "2025-02"
    assert dead["overpaid_amount"] == 750_000  # February, paid after the month of death
    too_little = decide(
        "funeral-support",
        decision_number="13/QĐ-UBND",
        signed_on="2025-02-20",
        organiser="Con trai",
        amount=5_000_000,
    )
    assert too_little.status_code == 422
    assert "10000000" in too_little.json()["detail"]
    support = ok(
        decide(
            "funeral-support",
            decision_number="13/QĐ-UBND",
            signed_on="2025-02-20",
            organiser="Con trai",
        )
    )
    assert support["funeral_support"]["amount"] == 10_000_000  # 20 x 500,000
    again = decide(
        "funeral-support",
        decision_number="14/QĐ-UBND",
        signed_on="2025-02-21",
        organiser="Con trai",
    )
    assert again.status_code == 422
    history = eventually(
        lambda: (
            [
                e["type"].rsplit(".", 1)[1]
                for e in client.history(case_id)
                if e["source"] == "btxh/payment"
            ][-3:]
            == ["entitlement_ceased", "overpayment_detected", "funeral_support_decided"]
            and True
        ),
        timeout=60,
    )
    assert history
