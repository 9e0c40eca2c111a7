"""The geometry and rules of the sky: projections, zones and schedules, zone file formats,
drone classes and national rules, and the corridor graph.

``airspace`` imports nothing from the other qingkong packages.
"""
