"""Intake's case index, one contract run against both implementations: the PostgreSQL tables
(whose primary key on person and benefit refuses a second open case, and whose advisory lock
takes receipts one at a time) and the in-memory stand-in that the fast tier uses."""

import threading
import uuid
from collections.abc import Iterator

import pytest

from services.intake.case_index import CaseIndex, InMemoryCaseIndex, PostgresCaseIndex
from tests.support.use_cases import STORES

BENEFIT = "monthly_allowance"


@pytest.fixture(params=STORES)
def index(request: pytest.FixtureRequest) -> Iterator[CaseIndex]:
    if request.param == "memory":
        yield InMemoryCaseIndex()
        return
    infra = request.getfixturevalue("infra")
    yield PostgresCaseIndex(infra.database_url, f"x{uuid.uuid4().hex[:8]}_intake")


def digest() -> str:
    return uuid.uuid4().hex


def test_a_first_claim_records_the_person_and_later_claims_find_the_same_person(
    index: CaseIndex,
) -> None:
    number = digest()

    first = index.claim(digest=number, benefit=BENEFIT, case_id=uuid.uuid4())
    other = index.claim(digest=number, benefit="care_support", case_id=uuid.uuid4())

    assert (first.new_person, first.holder) == (True, None)
    assert (other.person_id, other.new_person, other.holder) == (first.person_id, False, None)


def test_a_person_is_found_by_digest_once_recorded_and_kept_when_their_case_closes(
    index: CaseIndex,
) -> None:
    number, case_id = digest(), uuid.uuid4()
    assert index.person(number) is None

    claim = index.claim(digest=number, benefit=BENEFIT, case_id=case_id)
    index.release(person_id=claim.person_id, benefit=BENEFIT, case_id=case_id, forget_person=False)

    assert index.person(number) == claim.person_id
    assert index.person(digest()) is None


def test_the_first_claim_holds_the_benefit_and_a_second_is_told_which_case_holds_it(
    index: CaseIndex,
) -> None:
    number = digest()
    first, second = uuid.uuid4(), uuid.uuid4()

    assert index.claim(digest=number, benefit=BENEFIT, case_id=first).holder is None
    assert index.claim(digest=number, benefit=BENEFIT, case_id=second).holder == first
    assert index.claim(digest=number, benefit=BENEFIT, case_id=first).holder is None


def test_of_claims_made_at_the_same_time_exactly_one_holds_the_benefit(index: CaseIndex) -> None:
    number = digest()
    cases = [uuid.uuid4() for _ in range(6)]
    holders: dict[uuid.UUID, uuid.UUID | None] = {}
    persons: set[uuid.UUID] = set()
    start = threading.Barrier(len(cases))

    def claim(case_id: uuid.UUID) -> None:
        start.wait()
        found = index.claim(digest=number, benefit=BENEFIT, case_id=case_id)
        holders[case_id] = found.holder
        persons.add(found.person_id)

    threads = [threading.Thread(target=claim, args=(case_id,)) for case_id in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [case_id for case_id, holder in holders.items() if holder is None]
    assert len(winners) == 1
    assert all(holders[c] == winners[0] for c in cases if c != winners[0])
    assert len(persons) == 1  # one person for one ID number


def test_receipts_of_one_number_and_benefit_are_taken_one_at_a_time(index: CaseIndex) -> None:
    number = digest()
    inside, release = threading.Event(), threading.Event()
    entered: list[str] = []

    def first_desk() -> None:
        with index.receiving(number, BENEFIT):
            inside.set()
            release.wait(timeout=30)
            entered.append("first leaves")

    def second_desk() -> None:
        with index.receiving(number, BENEFIT):
            entered.append("second enters")

    first = threading.Thread(target=first_desk)
    first.start()
    assert inside.wait(timeout=30)
    second = threading.Thread(target=second_desk)
    second.start()
    with index.receiving(number, "care_support"):  # another benefit does not wait
        second.join(timeout=0.5)
        assert second.is_alive()  # the same number and benefit waits for the first desk
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert entered == ["first leaves", "second enters"]


def test_a_stale_claim_is_taken_over_once(index: CaseIndex) -> None:
    number = digest()
    stale, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    person = index.claim(digest=number, benefit=BENEFIT, case_id=stale).person_id

    assert index.take_over(person_id=person, benefit=BENEFIT, stale=stale, case_id=first)
    assert not index.take_over(person_id=person, benefit=BENEFIT, stale=stale, case_id=second)
    assert index.claim(digest=number, benefit=BENEFIT, case_id=second).holder == first


def test_only_the_holder_releases_a_claim(index: CaseIndex) -> None:
    number = digest()
    holder, other = uuid.uuid4(), uuid.uuid4()
    person = index.claim(digest=number, benefit=BENEFIT, case_id=holder).person_id

    index.release(person_id=person, benefit=BENEFIT, case_id=other, forget_person=False)
    assert index.claim(digest=number, benefit=BENEFIT, case_id=other).holder == holder

    index.release(person_id=person, benefit=BENEFIT, case_id=holder, forget_person=False)
    again = index.claim(digest=number, benefit=BENEFIT, case_id=other)
    assert (again.holder, again.person_id, again.new_person) == (None, person, False)


def test_a_person_is_forgotten_on_release_only_when_asked_and_left_without_a_claim(
    index: CaseIndex,
) -> None:
    number = digest()
    allowance, care = uuid.uuid4(), uuid.uuid4()
    person = index.claim(digest=number, benefit=BENEFIT, case_id=allowance).person_id
    index.claim(digest=number, benefit="care_support", case_id=care)

    index.release(person_id=person, benefit=BENEFIT, case_id=allowance, forget_person=True)
    assert index.claim(digest=number, benefit=BENEFIT, case_id=allowance).person_id == person
    index.release(person_id=person, benefit=BENEFIT, case_id=allowance, forget_person=True)

    index.release(person_id=person, benefit="care_support", case_id=care, forget_person=True)
    anew = index.claim(digest=number, benefit=BENEFIT, case_id=uuid.uuid4())
    assert anew.new_person is True
    assert anew.person_id != person


def test_the_holder_of_a_claim_is_read_without_claiming(index: CaseIndex) -> None:
    case_id = uuid.uuid4()
    claim = index.claim(digest=digest(), benefit=BENEFIT, case_id=case_id)

    assert index.holder(person_id=claim.person_id, benefit=BENEFIT) == case_id
    assert index.holder(person_id=claim.person_id, benefit="care_support") is None
    index.release(person_id=claim.person_id, benefit=BENEFIT, case_id=case_id, forget_person=False)
    assert index.holder(person_id=claim.person_id, benefit=BENEFIT) is None
