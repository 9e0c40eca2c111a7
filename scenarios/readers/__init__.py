"""Readers of other systems' traffic, turned into qingkong scenarios: BlueSky scenario files
(:mod:`~scenarios.readers.bluesky`, read, and
:mod:`~scenarios.readers.bluesky_scenario`, written as a scenario) and openutm-verification trajectory files
(:mod:`~scenarios.readers.openutm`)."""
