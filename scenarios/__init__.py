"""Scenario files, the replay engine (in process or against a server), metrics, plots,
the demand generator, sample scenarios, and the ``qingkong`` command line."""
