"""schemathesis over every operation with an operator's and a regulator's key (and the stateful
links it finds): no server error, no undocumented status code or content type, no answer that
breaks the documented schema. A few examples per operation here (about a minute); longer runs:
``.venv/bin/python -m tests.api.fuzz --examples 300``."""

from __future__ import annotations

import warnings

from tests.api.fuzz import fuzz_service, service_for_fuzzing


def test_schemathesis_finds_no_server_error_nor_schema_violation(tmp_path):
    warnings.simplefilter("ignore")
    app, keys = service_for_fuzzing(f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    try:
        found = fuzz_service(app, keys, examples=25, stateful_examples=10, seed=0)
    finally:
        app.state.store.dispose()
    assert found.calls > 1000
    assert not found.failures, "\n\n".join(
        f"{op} as {role}:\n{text}" for (op, role, _t), text in sorted(found.failures.items())
    )
