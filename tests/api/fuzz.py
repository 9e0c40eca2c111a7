"""Run schemathesis against the service with an operator's and a regulator's key, over every
operation (and the stateful links schemathesis finds), and collect what it finds: server errors,
undocumented status codes or content types, and answers that break the documented schema.

The test suite runs it with few examples per operation (``tests/api/test_fuzz.py``); for
longer runs::

    .venv/bin/python -m tests.api.fuzz --examples 300 [--database sqlite:///fuzz.sqlite] [--seed 1]

It exits 1 and prints each distinct failure (with a curl command to replay it) when it found
any, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SKIP_OPERATIONS = {"notifications-stream"}  # a long-lived event stream, tested on its own


@dataclass
class Findings:
    """Distinct failures by (operation, role, failure title)."""

    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)
    calls: int = 0
    stateful_stopped: int = 0
    """Stateful runs hypothesis ended early (its scenarios depend on the service's state)."""

    def add(self, op: str, role: str, exc: BaseException, curl: str) -> None:
        title = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        self.failures.setdefault((op, role, title), f"{exc}\n  replay: {curl}")


def fuzz_service(
    app: Any,
    keys: dict[str, str],
    *,
    examples: int,
    stateful_examples: int = 0,
    seed: int | None = 0,
    progress: bool = False,
) -> Findings:
    """Fuzz ``app`` with each role's key; returns what failed (empty: nothing did)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    found = Findings()
    settings = hypothesis.settings(
        max_examples=examples,
        deadline=None,
        derandomize=seed is not None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        verbosity=hypothesis.Verbosity.quiet,
    )
    ops = [r.ok() for r in schema.get_all_operations()]
    ops = [op for op in ops if schema.get_operation_id(op) not in SKIP_OPERATIONS]
    for i, op in enumerate(ops):
        name = f"{op.method.upper()} {op.path}"
        for role, key in keys.items():
            _fuzz_operation(op, name, role, {"Authorization": f"Bearer {key}"}, settings, found)
        if progress:
            print(
                f"[{i + 1}/{len(ops)}] {name}: {found.calls} calls, "
                f"{len(found.failures)} failures so far",
                file=sys.stderr,
            )
    if stateful_examples:
        _stateful(schema, keys, found, stateful_examples, seed)
    return found


def _fuzz_operation(
    op: Any, name: str, role: str, headers: dict[str, str], settings: Any, found: Findings
) -> None:
    @settings
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        found.calls += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collect all: one report
            found.add(name, role, exc, case.as_curl_command(headers=headers))

    run()


def _stateful(schema: Any, keys: dict[str, str], found: Findings, examples: int, seed: Any) -> None:
    base = schema.as_state_machine()
    for role, key in keys.items():
        machine = _machine(base, role, {"Authorization": f"Bearer {key}"}, found)
        try:
            machine.run(
                settings=hypothesis.settings(
                    max_examples=examples,
                    deadline=None,
                    derandomize=seed is not None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    stateful_step_count=6,
                )
            )
        except hypothesis.errors.FlakyStrategyDefinition:
            # The links' preconditions depend on what the service holds, so hypothesis can
            # find a replayed scenario drawing differently and stop; every response checked
            # until then is already in `found`, so this ends the stateful run, not the report.
            found.stateful_stopped += 1


def _machine(base: Any, role: str, headers: dict[str, str], found: Findings) -> Any:
    class Machine(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def validate_response(self, response: Any, case: Any, **kw: Any) -> None:
            found.calls += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:
                found.add(
                    f"stateful {case.method} {case.path}",
                    role,
                    exc,
                    case.as_curl_command(headers=headers),
                )

    return Machine


def service_for_fuzzing(database_url: str) -> tuple[Any, dict[str, str]]:
    """The demo service (Qingdao zones and corridors) with an operator key (its operator owns
    a drone) and a regulator key."""
    from api.auth import create_user
    from api.config import Settings
    from api.main import create_app

    app = create_app(Settings(database_url=database_url, demo=True))
    keys = {}
    with app.state.store.write() as s:
        keys["operator"] = create_user(s, role="operator", operator_id="OP-FUZZ")[1]
        keys["regulator"] = create_user(s, role="regulator")[1]
    return app, keys


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=200, help="examples per operation and role")
    p.add_argument("--stateful", type=int, default=50, help="stateful scenarios per role (0: none)")
    p.add_argument("--database", default=None, help="store URL (default: a temporary SQLite file)")
    p.add_argument("--seed", type=int, default=None, help="derandomise (same cases every run)")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'fuzz.sqlite'}"
        app, keys = service_for_fuzzing(url)
        t0 = time.perf_counter()
        found = fuzz_service(
            app,
            keys,
            examples=args.examples,
            stateful_examples=args.stateful,
            seed=args.seed,
            progress=True,
        )
        app.state.store.dispose()
    print(
        f"{found.calls} requests in {time.perf_counter() - t0:.0f} s, "
        f"{len(found.failures)} distinct failures"
    )
    for (op, role, _title), text in sorted(found.failures.items()):
        print(f"\n== {op} as {role}\n{text}")
    return 1 if found.failures else 0


if __name__ == "__main__":
    sys.exit(main())
