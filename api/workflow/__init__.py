"""The flight-activity workflow on the service side: task grants, the filing gate, readiness
and confirmation, reports after landing, and the audit log (rules: :mod:`airspace.workflow`)."""
