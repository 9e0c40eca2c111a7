"""The ``qingkong`` command: one entry point assembling the subcommands each package owns."""

from __future__ import annotations

import click

from airspace.cli import corridors_group, zones_group
from api import cli as api_cli
from api.telemetry.cli import mqtt_command
from planner.cli import route_command
from scenarios.commands import replay_command, scenario_group
from scenarios.fly_command import fly_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qingkong")
def main() -> None:
    """qingkong (青空): low-altitude drone airspace management.

    Zones and corridors, exact 4D deconfliction, an approval service and scenario replay.
    """


main.add_command(zones_group)
main.add_command(corridors_group)
main.add_command(route_command)
main.add_command(api_cli.serve)
main.add_command(api_cli.users_group)
main.add_command(replay_command)
main.add_command(scenario_group)
main.add_command(mqtt_command)
scenario_group.add_command(fly_command)


if __name__ == "__main__":
    main()
