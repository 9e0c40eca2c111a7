"""Capacity studies: sweeps of whole replayed days on Dask, capacity curves with their knees,
corridor utilisation, and paired comparisons of settings.

- :mod:`scenarios.study.model`: the study file and its JSON Schema;
- :mod:`scenarios.study.runs`: axes expanded into runs with stable ids;
- :mod:`scenarios.study.execute`: one run, as a Dask worker replays it;
- :mod:`scenarios.study.runner`: the Dask runner (local cluster or ``--scheduler``), resume;
- :mod:`scenarios.study.results`: the results folder (Parquet, CSV, ``study.json``);
- :mod:`scenarios.study.curves`, :mod:`~scenarios.study.compare`, :mod:`~scenarios.study.figures`,
  :mod:`~scenarios.study.report`: what people look at;
- :mod:`cli.study`: ``qingkong study run|report|compare|schema``.
"""
