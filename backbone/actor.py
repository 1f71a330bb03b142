"""Who acted: recorded on every stored event (stdlib only, so domain code may use it)."""

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """An authenticated user or a service, with role and administrative unit."""

    user_id: str
    role: str
    admin_unit: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The actor of effects a service applies on its own (e.g. consuming another service's event).
def service_actor(service: str) -> Actor:
    return Actor(user_id=f"service:{service}", role="system", admin_unit=None)
