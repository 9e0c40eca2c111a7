"""Scenario files are checked against the pydantic description of the format: unknown keys are
refused with their name and path (with a suggestion), and the JSON Schema that editors use is
published by ``qingkong scenario schema`` and accepts every shipped scenario."""

from __future__ import annotations

import json
import shutil

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from cli.main import main as cli
from scenarios.format import QINGDAO_SCENARIOS, ScenarioError, load_scenario

SAMPLE = QINGDAO_SCENARIOS / "emergency-priority.yaml"


def _write(tmp_path, doc):
    # Zone and corridor files are relative to the scenario: copy the samples' folder.
    folder = tmp_path / "qingdao"
    shutil.copytree(QINGDAO_SCENARIOS, folder)
    p = folder / "spoilt.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture
def doc():
    return yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "spoil, expected",
    [
        (
            lambda d: d.__setitem__("separaton", d.pop("separation")),
            "top level: unknown key 'separaton' (did you mean 'separation'?)",
        ),
        (
            lambda d: d["events"][1].__setitem__("typ", d["events"][1].pop("type")),
            "events[1] (event 1, counting from 0): unknown key 'typ' (did you mean 'type'?)",
        ),
        (
            lambda d: d["events"][0]["route"].__setitem__("waypont", []),
            "events[0] (event 0, counting from 0).route: unknown key 'waypont'",
        ),
        (
            lambda d: d["drones"][0].__setitem__("clas", "light"),
            "drones[0]: unknown key 'clas' (did you mean 'class'?)",
        ),
    ],
)
def test_unknown_keys_are_refused_with_name_and_path(tmp_path, doc, spoil, expected):
    spoil(doc)
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, doc))
    assert expected in str(err.value)


def test_schema_command_publishes_a_schema_the_samples_meet(tmp_path):
    out = tmp_path / "scenario.schema.json"
    r = CliRunner().invoke(cli, ["scenario", "schema", "--out", str(out)])
    assert r.exit_code == 0, r.output
    schema = json.loads(out.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for f in sorted(QINGDAO_SCENARIOS.glob("*.yaml")):
        doc = json.loads(json.dumps(yaml.safe_load(f.read_text()), default=str))
        assert not list(validator.iter_errors(doc)), f
    bad = json.loads(json.dumps(yaml.safe_load(SAMPLE.read_text()), default=str)) | {
        "separaton": {}
    }
    assert any("separaton" in e.message for e in validator.iter_errors(bad))
