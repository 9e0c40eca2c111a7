"""The service layer: one module per resource (:mod:`~api.services.flights`,
:mod:`~api.services.reviews`, :mod:`~api.services.zones`, :mod:`~api.services.drones`,
:mod:`~api.services.lists`), plain functions over the airspace facade
(:class:`api.airspace_state.AirspaceState`) and a database session. Routes translate HTTP to
these calls and back; they neither run SQL nor touch the planner.

:mod:`~api.services.records` holds what every service writes the same way: a decision onto
its flight row, the planner's knock-on changes, notifications.
"""
