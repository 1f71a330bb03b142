"""Correlation id of an HTTP command: taken from X-Correlation-Id when valid, else new."""

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import Header, HTTPException


def correlation_id(
    x_correlation_id: Annotated[
        str | None, Header(max_length=64, description="Optional UUID tying commands together")
    ] = None,
) -> UUID:
    if x_correlation_id is None:
        return uuid4()
    try:
        return UUID(x_correlation_id)
    except ValueError as error:
        raise HTTPException(400, detail="X-Correlation-Id must be a UUID") from error
