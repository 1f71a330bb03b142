"""Every input of every route is bounded, as the four OpenAPI documents say.

Each service's app is built by its composition root (on the real PostgreSQL: some of them
create their tables when built) and its OpenAPI document walked: every string, list and
map a request can carry (body, path, query, header) must state its maximum, and every
operation that takes a body its byte limit. A new route or field without one fails here.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from backbone.http import BODY_LIMIT_KEY, MAX_BODY_BYTES
from services.assessment.bootstrap import build_api as assessment_api
from services.assessment.settings import AssessmentSettings
from services.intake.bootstrap import build_api as intake_api
from services.intake.settings import IntakeSettings
from services.payment.bootstrap import build_api as payment_api
from services.payment.result_files import MAX_FILE_BYTES
from services.payment.settings import PaymentSettings
from services.reporting.bootstrap import build_api as reporting_api
from services.reporting.settings import ReportingSettings
from tests.support.infra import Infra

#: Formats whose values have a bounded length.
BOUNDED_FORMATS = {"date", "date-time", "time", "uuid"}
#: Quantifiers that let a pattern match strings of any length.
UNBOUNDED_QUANTIFIER = re.compile(r"(?<!\\)[*+]|\{\d+,\}")

BUILDERS: dict[str, tuple[Callable[..., Any], Callable[[Any], FastAPI]]] = {
    "intake": (IntakeSettings, intake_api),
    "assessment": (AssessmentSettings, assessment_api),
    "payment": (PaymentSettings, payment_api),
    "reporting": (ReportingSettings, reporting_api),
}


@pytest.fixture(scope="module")
def documents(infra: Infra) -> Iterator[dict[str, dict[str, Any]]]:
    """The OpenAPI document of each service, built as its API process builds it."""
    prefix = f"o{uuid.uuid4().hex[:8]}_"
    found = {}
    apps = []
    for service, (settings_type, build) in BUILDERS.items():
        settings = settings_type(
            database_url=infra.database_url, kafka_bootstrap=infra.kafka_bootstrap, prefix=prefix
        )
        apps.append(build(settings))
        found[service] = apps[-1].openapi()
    yield found
    for app in apps:
        application = getattr(app.state, "application", None)
        if application is not None:
            application.close()


def bounded_pattern(pattern: str) -> bool:
    """Anchored at both ends and without an open-ended repetition."""
    return (
        pattern.startswith("^")
        and pattern.endswith("$")
        and not UNBOUNDED_QUANTIFIER.search(pattern)
    )


def unbounded(schema: dict[str, Any], document: dict[str, Any], where: str) -> Iterator[str]:
    """Where in `schema` a string, list or map has no maximum."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield from unbounded(document["components"]["schemas"][name], document, where)
        return
    for combined in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(combined, []):
            yield from unbounded(part, document, where)
    if "enum" in schema or "const" in schema:
        return
    kind = schema.get("type")
    if kind == "string":
        pattern = schema.get("pattern")
        if not (
            "maxLength" in schema
            or schema.get("format") in BOUNDED_FORMATS
            or (pattern is not None and bounded_pattern(pattern))
        ):
            yield f"{where}: a string without maxLength (or a bounded pattern, format, enum)"
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: a list without maxItems"
        yield from unbounded(schema.get("items", {}), document, f"{where}[]")
    elif kind == "object" or "properties" in schema:
        for name, field in schema.get("properties", {}).items():
            yield from unbounded(field, document, f"{where}.{name}")
        values = schema.get("additionalProperties")
        patterns = schema.get("patternProperties", {})
        if isinstance(values, dict) or patterns:
            if "maxProperties" not in schema:
                yield f"{where}: a map without maxProperties"
            if isinstance(values, dict):
                yield f"{where}: a map whose keys have no pattern"
                yield from unbounded(values, document, f"{where}{{}}")
            for key, value in patterns.items():
                if not bounded_pattern(key):
                    yield f"{where}: map keys {key!r} are not bounded"
                yield from unbounded(value, document, f"{where}{{}}")


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_string_list_and_map_a_request_carries_has_a_documented_maximum(
    documents: dict[str, dict[str, Any]],
) -> None:
    found = []
    for service, document in documents.items():
        for name, operation in operations(document):
            for parameter in operation.get("parameters", []):
                where = f"{service} {name} {parameter['in']} {parameter['name']}"
                found.extend(unbounded(parameter.get("schema", {}), document, where))
            content = operation.get("requestBody", {}).get("content", {})
            json_body = content.get("application/json")
            if json_body is not None:
                found.extend(unbounded(json_body["schema"], document, f"{service} {name} body"))
    assert found == [], "\n".join(found)


def test_every_body_has_a_documented_byte_limit_and_a_413(
    documents: dict[str, dict[str, Any]],
) -> None:
    limits = {}
    for service, document in documents.items():
        for name, operation in operations(document):
            if "requestBody" not in operation:
                continue
            limits[f"{service} {name}"] = operation.get(BODY_LIMIT_KEY)
            assert "413" in operation["responses"], name
    assert set(limits.values()) == {MAX_BODY_BYTES, MAX_FILE_BYTES}, limits
    assert (
        limits["payment POST /payrolls/{commune}/{channel}/{month}/results/import"]
        == MAX_FILE_BYTES
    )
    assert MAX_BODY_BYTES < MAX_FILE_BYTES


def test_the_bound_check_itself_catches_an_unbounded_string_list_and_map() -> None:
    document: dict[str, Any] = {"components": {"schemas": {}}}
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "code": {"type": "string", "pattern": r"^[A-Z]+$"},
            "ok": {"type": "string", "pattern": r"^\d{5}$"},
            "items": {"type": "array", "items": {"type": "string", "maxLength": 3}},
            "map": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    }
    assert [problem.split(":")[0] for problem in unbounded(schema, document, "x")] == [
        "x.name",
        "x.code",
        "x.items",
        "x.map",
        "x.map",
    ]
