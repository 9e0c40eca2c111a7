"""Readers of other systems' traffic, turned into qingkong scenarios: BlueSky scenario files
(:mod:`~scenarios.readers.bluesky`) and openutm-verification trajectory files
(:mod:`~scenarios.readers.openutm`)."""
