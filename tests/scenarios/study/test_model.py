"""Study files: the minimal form of the issue, the published schema, and errors that say what to fix."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from cli.main import main
from scenarios.study.model import SCHEMA_PATH, StudyError, load_study, study_from_dict, study_schema
from scenarios.study.runs import expand

STUDIES = Path(__file__).resolve().parents[3] / "scenarios" / "studies"

MINIMAL = """\
qingkong_study: 1
name: qingdao-capacity
scenario: {generate: {city: qingdao}}        # or {file: day.yaml}
sweep: {flights: [2000, 4000, 8000], seed: [1, 2, 3]}
"""


def test_minimal_form_from_the_issue_gives_nine_runs(tmp_path):
    p = tmp_path / "study.yaml"
    p.write_text(MINIMAL)
    study = load_study(p)
    runs = expand(study)
    assert len(runs) == 9
    assert {(r.params["flights"], r.params["seed"]) for r in runs} == {
        (f, s) for f in (2000, 4000, 8000) for s in (1, 2, 3)
    }
    assert all(r.task["scenario"]["generate"]["city"] == "qingdao" for r in runs)


@pytest.mark.parametrize("path", sorted(STUDIES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_studies_are_valid(path):
    doc = yaml.safe_load(path.read_text())
    jsonschema.Draft202012Validator(study_schema()).validate(doc)
    assert expand(load_study(path))


def test_schema_command_prints_the_published_schema():
    res = CliRunner().invoke(main, ["study", "schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert schema == json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


def _error(doc: dict, tmp_path: Path) -> str:
    with pytest.raises(StudyError) as exc:
        study_from_dict(doc, base_dir=tmp_path)
    return str(exc.value)


def _doc(**kw):
    return {
        "qingkong_study": 1,
        "name": "s",
        "scenario": {"generate": {"city": "qingdao"}},
        "sweep": {"flights": [10]},
        **kw,
    }


def test_unknown_axis_names_the_allowed_ones(tmp_path):
    msg = _error(_doc(sweep={"flights": [10], "demand": [1]}), tmp_path)
    assert msg.startswith("sweep: ") and "'demand'" in msg and "layer_spacing_m" in msg


def test_bad_value_names_the_field(tmp_path):
    assert _error(_doc(sweep={"flights": [10, 0]}), tmp_path).startswith("sweep.flights[1]: ")


def test_network_axis_must_name_a_defined_network(tmp_path):
    msg = _error(
        _doc(sweep={"network": ["demo", "dense"]}, networks={"demo": {"generate": {}}}), tmp_path
    )
    assert msg == (
        "sweep.network[1]: 'dense' is not a network of this study; define it under networks: "
        "(known: demo)"
    )


def test_generator_axes_need_generated_days(tmp_path):
    day = tmp_path / "day.yaml"
    day.write_text("qingkong_scenario: 1\n")
    msg = _error(_doc(scenario={"file": "day.yaml"}, sweep={"seed": [1, 2]}), tmp_path)
    assert msg.startswith("sweep.seed[0]: seed changes generated demand")


def test_missing_files_are_named(tmp_path):
    msg = _error(_doc(networks={"mine": {"file": "nets/mine.geojson"}}), tmp_path)
    assert msg == f"networks.mine.file: {tmp_path / 'nets' / 'mine.geojson'} does not exist"


def test_load_study_prefixes_the_file(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("qingkong_study: 2\nname: s\nscenario: {generate: {}}\n")
    with pytest.raises(StudyError, match=r"s\.yaml: qingkong_study: 1 was expected"):
        load_study(p)


def test_run_command_rejects_a_bad_study_with_exit_2(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("qingkong_study: 1\nname: s\nscenario: {generate: {}}\nsweep: {flights: [-5]}\n")
    res = CliRunner().invoke(main, ["study", "run", str(p), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "error: " in res.output and "sweep.flights[0]" in res.output
    assert not (tmp_path / "out").exists()
