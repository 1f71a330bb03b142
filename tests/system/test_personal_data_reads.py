"""Every read of a case's personal data by a person is logged before it is shown."""

from tests.support.api import Client, dossier_body, token
from tests.support.eventually import eventually

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True


def reads(client: Client, service: str, case_id: str) -> list[dict[str, object]]:
    response = client.http.get(
        client.url(service, "/ops/personal-data-reads"),
        params={"case_id": case_id},
        headers=token("inspector"),
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def test_reads_of_a_dossier_and_the_register_are_logged_with_who_read_them(
    client: Client,
) -> None:
    case_id = client.receive()
    # the answer to a receipt shows the dossier as recorded: logged as a read by its writer
    [received] = reads(client, "intake", case_id)
    assert received["resource"] == "answer to POST /dossiers"
    assert received["actor_role"] == "commune_officer"

    response = client.http.get(
        client.url("intake", f"/dossiers/{case_id}"),
        headers=token("assessor", unit="02020", user="assessor-7"),
    )
    assert response.status_code == 200
    read, _ = reads(client, "intake", case_id)  # newest first
    assert read["actor_id"] == "assessor-7"
    assert read["actor_role"] == "assessor"
    assert read["actor_unit"] == "02020"
    assert read["resource"] == "dossier"
    assert read["request"] == f"GET /dossiers/{case_id}"

    eventually(lambda: client.register_entry(case_id))
    register_reads = reads(client, "reporting", case_id)
    assert register_reads
    assert all(r["resource"] == "register" for r in register_reads)


def test_a_refused_or_failed_read_logs_nothing_and_the_log_is_for_inspectors_only(
    client: Client,
) -> None:
    case_id = client.receive()
    refused = client.http.get(
        client.url("intake", f"/dossiers/{case_id}"), headers=token("payment_officer")
    )
    assert refused.status_code == 403
    unknown = "00000000-0000-4000-8000-000000000000"
    missing = client.http.get(
        client.url("intake", f"/dossiers/{unknown}"), headers=token("assessor")
    )
    assert missing.status_code == 404
    assert [r["resource"] for r in reads(client, "intake", case_id)] == ["answer to POST /dossiers"]
    assert reads(client, "intake", unknown) == []
    # a receipt refused (another commune's officer) shows nothing and logs nothing
    before = len(reads(client, "intake", case_id))
    refused_receipt = client.http.post(
        client.url("intake", "/dossiers"),
        json=dossier_body(),
        headers=token("commune_officer", unit="00004"),
    )
    assert refused_receipt.status_code == 403
    assert len(reads(client, "intake", case_id)) == before

    forbidden = client.http.get(
        client.url("intake", "/ops/personal-data-reads"), headers=token("commune_officer")
    )
    assert forbidden.status_code == 403


def test_the_answer_of_a_write_naming_a_case_is_logged_as_a_read_and_a_refused_one_is_not(
    client: Client,
) -> None:
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id), what="assessment has the case")
    before = len(reads(client, "assessment", case_id))  # the helper's own reads of the case

    assert client.approve(case_id).status_code == 201

    written = [r for r in reads(client, "assessment", case_id)[: -before or None]]
    answers = sorted(str(r["resource"]) for r in written if str(r["resource"]).startswith("answer"))
    assert answers == [
        "answer to POST /cases/{case_id}/approval",
        "answer to POST /cases/{case_id}/posting",
        "answer to POST /cases/{case_id}/review",
    ]
    approval = next(r for r in written if r["resource"] == answers[0])
    assert (approval["actor_role"], approval["request"]) == (
        "approver",
        f"POST /cases/{case_id}/approval",
    )
    # a write refused (another unit's official) shows nothing and logs nothing
    count = len(reads(client, "assessment", case_id))
    refused = client.http.post(
        client.url("assessment", f"/cases/{case_id}/rejection"),
        json={},
        headers=token("approver", unit="01"),
    )
    assert refused.status_code == 404
    assert len(reads(client, "assessment", case_id)) == count
