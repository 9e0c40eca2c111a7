"""The demand generator: deterministic, realistic mix, readable as a scenario."""

from __future__ import annotations

import collections

import pytest
import yaml

from scenarios.format import load_scenario
from scenarios.generate import EMERGENCY_PRIORITY, generate_day


def test_same_seed_same_day_and_a_realistic_mix(tmp_path):
    a = generate_day("qingdao", flights=400, seed=7, out_dir=tmp_path)
    assert a == generate_day("qingdao", flights=400, seed=7, out_dir=tmp_path)
    assert a != generate_day("qingdao", flights=400, seed=8, out_dir=tmp_path)
    reqs = a["events"]
    assert len(reqs) == 400
    kinds = collections.Counter(e["flight"][:3] for e in reqs)
    assert kinds["DEL"] > 300 and kinds["INS"] > 0 and kinds["SUR"] > 0 and kinds["EME"] >= 1
    for e in reqs:
        assert e["t"] <= e["departure"]["earliest"] <= e["departure"]["latest"]
        assert (e["priority"] == EMERGENCY_PRIORITY) == e["flight"].startswith("EME")
    emg = [e for e in reqs if e["flight"].startswith("EME")]
    assert all(e["departure"]["earliest"] - e["t"] <= 240 for e in emg)  # filed minutes ahead
    assert [e["t"] for e in reqs] == sorted(e["t"] for e in reqs)
    hours = collections.Counter(int(e["departure"]["earliest"] // 3600) for e in reqs)
    assert hours[2] > hours[7]  # 09:00 morning peak busier than 14:00
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump(a))
    sc = load_scenario(path)
    assert len(sc.requests) == 400
    assert sc.corridors_file is not None and sc.corridors_file.is_file()


def test_bad_arguments():
    with pytest.raises(ValueError, match="city"):
        generate_day("atlantis", flights=10)
    with pytest.raises(ValueError, match="flights"):
        generate_day("qingdao", flights=0)
