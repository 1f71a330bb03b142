"""The daily jobs of assessment: record overdue steps, propose decisions for ages reached.

Both are idempotent per case and date (the aggregate records each fact once), so running a
day twice, or catching up several missed days, never doubles an event. Both refuse a day not
yet begun in Vietnam: what they record is permanent, and a run for a later day would record
steps overdue and ages reached that have not happened, blocking the real events later.
"""

from datetime import date, timedelta

from backbone.actor import service_actor
from reference.policy import age_on
from services.assessment.application import AssessmentApplication
from services.assessment.deadline_register import DeadlineRegister

ACTOR = service_actor("assessment")


def check_day(app: AssessmentApplication, on: date, today: date) -> None:
    """The jobs run for a day the policy tables cover, once it has begun in Vietnam."""
    app.dates.fact("on", on, today, hint="the daily jobs run for a day once it has begun")


def record_overdue(
    app: AssessmentApplication, register: DeadlineRegister, on: date, *, today: date
) -> dict[str, int]:
    """Record each step (or complaint) past its due date once: an event per case and step."""
    check_day(app, on, today)
    recorded = 0
    rows = register.overdue(on=on, limit=1_000_000)
    for row in rows:
        step = row["ref"] if row["kind"] == "step" else f"complaint:{row['ref']}"
        if app.mark_overdue(
            row["case_id"], step=step, due_on=row["due_on"], detected_on=on, actor=ACTOR
        ):
            recorded += 1
    return {"overdue": len(rows), "recorded": recorded}


def propose_for_ages_reached(
    app: AssessmentApplication, register: DeadlineRegister, on: date, *, today: date
) -> dict[str, int]:
    """For each approved case whose person reaches an age on `on` that changes a category
    held (4, 16, 22, 60, 80; 6 for disability re-determination...), or one of whose dependants
    does (a single parent's child turning 16 without studying, or 22; a child taken in turning 4
    or 16; a child of a parent with a disability reaching 36 months), propose a decision
    effective from the following month, naming the dependant. Nothing changes by itself."""
    check_day(app, on, today)
    effective = (on.replace(day=1) + timedelta(days=32)).replace(day=1)
    proposed = 0
    rows = register.birthdays(on)
    for row in rows:
        age = age_on(row["date_of_birth"], on)
        if age_on(row["date_of_birth"], on - timedelta(days=1)) != age - 1:
            continue  # not the day the age is reached (e.g. 29 February in a leap year)
        for category in row["categories_held"]:
            for trigger in app.policy.triggers_for(category, age):
                if app.propose_change(
                    row["case_id"],
                    trigger=f"age_{trigger.age}",
                    reached_on=on,
                    from_category=category,
                    proposal=trigger.proposal,
                    to_category=trigger.to_category,
                    effective_month=f"{effective.year:04d}-{effective.month:02d}",
                    legal_basis=trigger.legal_basis,
                    actor=ACTOR,
                ):
                    proposed += 1
    dependants = register.dependant_birthdays(on)
    for row in dependants:
        proposed += app.propose_for_dependant(
            row["case_id"],
            row["dependant_id"],
            on=on,
            effective_month=f"{effective.year:04d}-{effective.month:02d}",
            actor=ACTOR,
        )
    return {
        "birthdays": len(rows),
        "dependant_birthdays": len(dependants),
        "proposed": proposed,
    }


def run_day(
    app: AssessmentApplication, register: DeadlineRegister, on: date, *, today: date
) -> dict[str, int]:
    check_day(app, on, today)
    overdue = record_overdue(app, register, on, today=today)
    ages = propose_for_ages_reached(app, register, on, today=today)
    return {
        **{f"deadlines_{k}": v for k, v in overdue.items()},
        **{f"ages_{k}": v for k, v in ages.items()},
    }
