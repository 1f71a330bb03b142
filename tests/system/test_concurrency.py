"""Two writers at the same moment: one wins, the other is told to retry; nothing is doubled."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import httpx

from backbone.system import System
from tests.support.api import Client, dossier_body, officer_of, token
from tests.support.approvals import approval_messages, publish
from tests.support.eventually import eventually
from tests.system.test_delivery import bootstrap

#: Its tests touch only cases they create: the worker's shared system serves (tests/conftest.py).
SHARED_SYSTEM = True

COMMUNE = "02020"


def test_commands_on_the_same_entitlement_at_once_answer_409_retry_never_500(
    system: System, client: Client
) -> None:
    today = date.today()
    messages = approval_messages(
        system.prefix, commune=COMMUNE, signed_on=today.replace(day=1), count=1
    )
    publish(bootstrap(system), messages)
    case_id = messages[0].key.decode()
    url = client.url("payment", f"/entitlements/{case_id}/channel")
    eventually(lambda: client.enrolled(case_id), timeout=60, what="enrolled")

    def change(channel: str) -> httpx.Response:
        with httpx.Client(timeout=30) as http:
            return http.post(
                url,
                json={"channel": channel, "decided_on": today.isoformat(), "reason": "thử"},
                headers=token("payment_officer"),
            )

    channels = ["bank_account", "home_delivery", "post_office"] * 3
    conflicts = []
    for _ in range(5):  # the requests race; a round without a collision is tried again
        with ThreadPoolExecutor(len(channels)) as pool:
            answers = list(pool.map(change, channels))
        # 422: a command that found the channel it asks for already set by another one.
        assert {a.status_code for a in answers} <= {200, 409, 422}, [a.text for a in answers]
        assert all("already paid through" in a.text for a in answers if a.status_code == 422)
        assert any(a.status_code == 200 for a in answers)
        conflicts = [a.json() for a in answers if a.status_code == 409]
        if conflicts:
            break
    assert conflicts, "no two commands collided in five rounds of nine"
    assert conflicts[0]["error"] == "ConcurrentChange"
    assert conflicts[0]["detail"].startswith("retry")


def cases_of(client: Client, personal_id: str) -> list[str]:
    answer = client.http.post(
        client.url("reporting", "/cases/lookup"),
        json={"personal_id": personal_id},
        headers=token("inspector"),
    )
    return list(answer.json()["case_ids"]) if answer.status_code == 200 else []


def test_receipts_of_the_same_new_id_number_at_once_open_one_case_and_name_it_to_the_others(
    system: System, client: Client
) -> None:
    def receive(body: dict[str, object]) -> httpx.Response:
        with httpx.Client(timeout=30) as http:
            return http.post(
                client.url("intake", "/dossiers"), json=body, headers=officer_of(body["residence"])
            )

    for _ in range(5):  # five people, each received at four desks at the same moment
        body = dossier_body()
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(receive, [body] * 4))

        created = [a.json() for a in answers if a.status_code == 201]
        refused = [a.json() for a in answers if a.status_code == 409]
        assert len(created) == 1, [a.text for a in answers]
        assert len(refused) == 3, [a.text for a in answers]
        first = created[0]["case_id"]
        assert all(r["error"] == "DuplicateCase" and first in r["detail"] for r in refused)
        number = body["applicant"]["personal_id"]  # type: ignore[index]
        found = eventually(lambda n=number: cases_of(client, n), what="reporting knows the person")
        assert found == [first]
