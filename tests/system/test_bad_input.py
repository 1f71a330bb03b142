"""Bad input gets a clear 4xx that says what is wrong, and nothing is stored."""

import json
from collections.abc import Iterator
from datetime import date, timedelta

import psycopg
import pytest
from psycopg import sql

from backbone.http import MAX_BODY_BYTES
from reference.working_days import today_in_vietnam
from tests.support.api import Client, dossier_body, token
from tests.support.eventually import eventually


def intake_event_count(client: Client) -> int:
    """Rows in intake's event store: bad input must leave it unchanged."""
    env = client.system.processes["intake-api"].env
    url = env["BTXH_DATABASE_URL"]
    schema = f"{env['BTXH_PREFIX']}intake"
    with psycopg.connect(url) as conn:
        query = sql.SQL("SELECT count(*) FROM {}.intake_events").format(sql.Identifier(schema))
        row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def post_dossier(client: Client, body: object, headers: dict[str, str] | None = None):
    return client.http.post(
        client.url("intake", "/dossiers"),
        json=body,
        headers=headers if headers is not None else token("commune_officer"),
    )


def with_applicant(**changes: object) -> dict[str, object]:
    body = dossier_body()
    body["applicant"] = {**body["applicant"], **changes}  # type: ignore[dict-item]
    return body


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({}, 422, "applicant"),
        ({**dossier_body(), "category": 7}, 422, "category"),
        (with_applicant(personal_id="12345"), 422, "12 digits"),
        (with_applicant(personal_id="00112300000a"), 422, "digits only"),
        (with_applicant(personal_id="001099000123"), 422, "birth year"),
        (with_applicant(sex="male"), 422, "sex"),
        (
            with_applicant(date_of_birth=(date.today() + timedelta(days=3)).isoformat()),
            422,
            "future",
        ),
        ({**dossier_body(), "category": "NOT_A_CATEGORY"}, 422, "not a category"),
        (
            {**dossier_body(), "residence": {"scheme": "DVHC_2025_2LEVEL", "code": "12"}},
            422,
            "code",
        ),
        ({**dossier_body(), "unexpected": 1}, 422, "unexpected"),
        (
            {**dossier_body(), "residence": {"scheme": "DVHC_2025_2LEVEL", "code": "99999"}},
            422,
            "99999",
        ),
        (  # a pre-2025 commune code for a dossier received now: retired on 01/07/2025
            {**dossier_body(), "residence": {"scheme": "DVHC_2004_3LEVEL", "code": "02053"}},
            422,
            "02020",  # the message names the successor to use
        ),
        (  # a 2025 code for a dossier received before the reorganisation
            {
                **dossier_body(received_on=date(2025, 6, 2)),
                "residence": {"scheme": "DVHC_2025_2LEVEL", "code": "02020"},
            },
            422,
            "residence",
        ),
        (  # a category for children, for a person of 76
            {**dossier_body(), "category": "CHILD_NO_CARE_4_16"},
            422,
            "is for ages",
        ),
        (  # a category that did not exist yet on the day of receipt
            {
                **dossier_body(received_on=date(2020, 3, 2)),
                "category": "ELDERLY_75_80_POOR_DTTS",  # added by Decree 20/2021
                "residence": {"scheme": "DVHC_2004_3LEVEL", "code": "02053"},
            },
            422,
            "not in force",
        ),
    ],
)
def test_an_invalid_dossier_is_refused_with_a_reason_and_nothing_is_stored(
    client: Client, body: object, status: int, says: str
) -> None:
    before = intake_event_count(client)
    response = post_dossier(client, body)
    assert response.status_code == status, response.text
    assert says in response.text
    assert intake_event_count(client) == before


def test_malformed_json_is_refused(client: Client) -> None:
    response = client.http.post(
        client.url("intake", "/dossiers"),
        content=b'{"applicant": ',
        headers={**token("commune_officer"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "JSON" in response.text


def test_a_command_without_a_token_is_401_and_with_the_wrong_role_is_403(client: Client) -> None:
    before = intake_event_count(client)
    assert post_dossier(client, dossier_body(), headers={}).status_code == 401
    assert (
        post_dossier(
            client, dossier_body(), headers={"Authorization": "Bearer nonsense"}
        ).status_code
        == 401
    )
    response = post_dossier(client, dossier_body(), headers=token("inspector"))
    assert response.status_code == 403
    assert "inspector" in response.json()["detail"]
    assert intake_event_count(client) == before


def padded_dossier(size: int) -> bytes:
    """A dossier of more than `size` bytes: the name is padded far past its own maximum."""
    body = dossier_body()
    body["applicant"]["full_name"] = "A" * size  # type: ignore[index]
    return json.dumps(body).encode()


def in_pieces(content: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """The body as a generator: httpx sends it chunked, without a Content-Length."""
    for start in range(0, len(content), size):
        yield content[start : start + size]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read_with_or_without_a_token(
    client: Client,
) -> None:
    before = intake_event_count(client)
    content = padded_dossier(MAX_BODY_BYTES)
    json_type = {"Content-Type": "application/json"}
    for headers in (token("commune_officer"), {}, {"Authorization": "Bearer nonsense"}):
        response = client.http.post(
            client.url("intake", "/dossiers"), content=content, headers={**headers, **json_type}
        )
        assert response.status_code == 413, response.text
        answer = response.json()
        assert answer["error"] == "PayloadTooLarge"
        assert f"at most {MAX_BODY_BYTES:,} bytes" in answer["detail"]
        assert f"Content-Length is {len(content):,}" in answer["detail"]
    assert intake_event_count(client) == before


def test_a_chunked_body_without_a_content_length_is_stopped_at_the_limit(client: Client) -> None:
    before = intake_event_count(client)
    for headers in (token("commune_officer"), {}):
        response = client.http.post(
            client.url("intake", "/dossiers"),
            content=in_pieces(padded_dossier(MAX_BODY_BYTES)),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert response.status_code == 413, response.text
        assert "more than 1,048,576 bytes arrived" in response.json()["detail"]
    assert intake_event_count(client) == before
    # under the limit, the same way of sending is read as usual
    response = client.http.post(
        client.url("intake", "/dossiers"),
        content=in_pieces(json.dumps(dossier_body()).encode(), size=100),
        headers={**token("commune_officer"), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


def test_a_nul_character_in_a_query_or_a_body_is_refused_with_422_never_a_500(
    client: Client,
) -> None:
    """Fuzzing found a 500: `actor_id` holding %00 reached PostgreSQL, whose text refuses NUL.
    In a body it would be stored in the event, then fail every read model that keeps it."""
    reads = client.http.get(
        client.url("assessment", "/ops/personal-data-reads"),
        params={"actor_id": "<\u00fb\x00C"},
        headers=token("operator"),
    )
    assert reads.status_code == 422, reads.text
    assert reads.json()["error"] == "InvalidCharacter"

    before = intake_event_count(client)
    named = with_applicant(full_name="Nguyễn\x00Văn An")
    for content in (json.dumps(named).encode(), in_pieces(json.dumps(named).encode(), size=7)):
        response = client.http.post(
            client.url("intake", "/dossiers"),
            content=content,
            headers={**token("commune_officer"), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert "NUL character" in response.json()["detail"]
    assert intake_event_count(client) == before


def test_a_list_longer_than_its_maximum_or_naming_a_document_twice_is_refused(
    client: Client,
) -> None:
    before = intake_event_count(client)
    twice = {**dossier_body(), "documents_presented": ["personal_id_card", "personal_id_card"]}
    response = post_dossier(client, twice)
    assert response.status_code == 422, response.text
    assert "personal_id_card listed more than once" in response.text
    too_long = {**dossier_body(), "documents_presented": ["personal_id_card"] * 10}
    response = post_dossier(client, too_long)
    assert response.status_code == 422, response.text
    assert "at most 9 items" in response.text
    assert intake_event_count(client) == before


def test_a_second_dossier_for_the_same_person_and_benefit_is_409_naming_the_open_case(
    client: Client,
) -> None:
    body = dossier_body()
    first = post_dossier(client, body)
    assert first.status_code == 201
    before = intake_event_count(client)
    second = post_dossier(client, body)
    assert second.status_code == 409
    assert first.json()["case_id"] in second.json()["detail"]
    assert intake_event_count(client) == before


def test_approving_an_unknown_case_is_404(client: Client) -> None:
    response = client.approve("7b0f6a57-0d3c-4f43-9d8e-6f2a1b9c0d11")
    assert response.status_code == 404
    assert "assessment has no case" in response.json()["detail"]


def test_a_repeated_approval_is_an_idempotent_success_and_a_different_one_a_conflict(
    client: Client,
) -> None:
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id))
    assert client.approve(case_id, number="5/QĐ-UBND").status_code == 201
    again = client.approve(case_id, number="5/QĐ-UBND")
    assert again.status_code == 200
    assert again.json()["decision_number"] == "5/QĐ-UBND"
    other = client.approve(case_id, number="6/QĐ-UBND")
    assert other.status_code == 409
    assert "5/QĐ-UBND" in other.json()["detail"]
    # opened, reviewed, posted, approved: nothing more
    assert client.assessment_case(case_id)["version"] == 4


def test_an_approval_with_a_wrong_amount_or_a_future_date_is_refused_and_not_recorded(
    client: Client,
) -> None:
    case_id = client.receive()
    eventually(lambda: client.assessment_case(case_id))
    wrong = client.approve(case_id, monthly_amount=600_000)
    assert wrong.status_code == 422
    assert "750000" in wrong.json()["detail"]
    tomorrow = today_in_vietnam() + timedelta(days=1)  # the API's today is Vietnam's
    future = client.approve(case_id, signed_on=tomorrow.isoformat())
    assert future.status_code == 422
    assert "future" in future.json()["detail"]
    case = client.assessment_case(case_id)
    assert case["version"] == 3  # opened, reviewed, posted: no decision
    assert case["decision_number"] is None
