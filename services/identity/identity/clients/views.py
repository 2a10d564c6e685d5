"""What the API answers for a machine client."""

from __future__ import annotations

from identity_client.models import ClientOut

from identity.clients.models import MachineClient


def client_out(client: MachineClient) -> ClientOut:
    return ClientOut(
        client_id=client.client_id,
        name=client.name,
        scopes=list(client.scopes),
        created_at=client.created_at,
        disabled=client.disabled_at is not None,
    )
