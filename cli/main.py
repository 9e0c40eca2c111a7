"""The ``qingkong`` command: the composition root assembling the command groups, each defined
in its own module of this package."""

from __future__ import annotations

import click

from cli.corridors import corridors_group
from cli.fly import fly_command
from cli.mqtt import mqtt_command
from cli.route import route_command
from cli.scenario import replay_command, scenario_group
from cli.serve import serve, users_group
from cli.study import study_group
from cli.zones import zones_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qingkong")
def main() -> None:
    """qingkong (青空): low-altitude drone airspace management.

    Zones and corridors, exact 4D deconfliction, an approval service and scenario replay.
    """


main.add_command(zones_group)
main.add_command(corridors_group)
main.add_command(route_command)
main.add_command(serve)
main.add_command(users_group)
main.add_command(replay_command)
main.add_command(scenario_group)
main.add_command(study_group)
main.add_command(mqtt_command)
scenario_group.add_command(fly_command)


if __name__ == "__main__":
    main()
