"""Real-name drone registration; the class is derived by the deployment's rule set."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentUser, PlannerDep, SessionDep, StoreDep
from api.schemas import DroneCreate, DronePublic
from api.services import drones

router = APIRouter(prefix="/drones", tags=["drones"])


@router.post("", operation_id="drones-create", status_code=201, response_model=DronePublic)
def register_drone(
    body: DroneCreate, user: CurrentUser, store: StoreDep, airspace: PlannerDep
) -> dict[str, Any]:
    """Register a drone (operators: for themselves; regulators: for ``operator_id``)."""
    return drones.register_drone(store, user=user, body=body, rules=airspace.deployment.rules)


@router.get("", operation_id="drones-list", response_model=list[DronePublic])
def list_drones(user: CurrentUser, session: SessionDep, airspace: PlannerDep) -> list[dict]:
    """Your drones (regulators: all)."""
    return drones.list_drones(session, user=user, rules=airspace.deployment.rules)


@router.get("/{drone_id}", operation_id="drones-get", response_model=DronePublic)
def get_drone(drone_id: str, user: CurrentUser, session: SessionDep, airspace: PlannerDep) -> dict:
    """One of your drones (regulators: any)."""
    return drones.get_drone(session, user=user, drone_id=drone_id, rules=airspace.deployment.rules)


@router.delete("/{drone_id}", operation_id="drones-delete", status_code=204)
def delete_drone(drone_id: str, user: CurrentUser, store: StoreDep) -> None:
    """Deregister a drone that has no flights."""
    drones.delete_drone(store, user=user, drone_id=drone_id)
