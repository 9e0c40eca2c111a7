"""The OpenAPI document: readable operation ids, examples, and the 4xx answers it declares."""

from __future__ import annotations


def test_openapi_names_operations_and_carries_examples(service):
    doc = service.client.get("/openapi.json").json()
    ops = {
        op["operationId"]: (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
    }
    for name in (
        "flights-create",
        "flights-list",
        "flights-cancel",
        "drones-create",
        "zones-create",
        "zones-upload",
        "reviews-decide",
        "notifications-stream",
        "geo-point",
        "health",
        "ready",
    ):
        assert name in ops, name
    path, method, create = ops["flights-create"]
    assert (path, method) == ("/v1/flights", "post")
    assert {"400", "401", "409", "413", "422"} <= set(create["responses"])
    schemas = doc["components"]["schemas"]
    assert schemas["FlightCreate"]["examples"][0]["route"]["waypoints"]
    assert schemas["ZoneCreate"]["examples"][0]["restriction"] == "PROHIBITED"
