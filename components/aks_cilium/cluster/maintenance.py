"""Planned maintenance windows for the two automatic upgrade schedules of a cluster.

planned-maintenance.md: `aksManagedAutoUpgradeSchedule` governs the cluster auto-upgrade channel and
`aksManagedNodeOSUpgradeSchedule` the node OS channel; with auto-upgrade a window should last four hours or more, and
the API takes 4 to 24 hours (MaintenanceWindow.durationHours in the 2025-09-01 spec).
"""

import re
from typing import TypedDict

import pulumi
from pulumi_azure_native import containerservice as aks

AUTO_UPGRADE_SCHEDULE = "aksManagedAutoUpgradeSchedule"
NODE_OS_UPGRADE_SCHEDULE = "aksManagedNodeOSUpgradeSchedule"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHORTEST_HOURS, LONGEST_HOURS = 4, 24
_START = re.compile(r"^([01]\d|2[0-3]):[0-5]\d\Z")
_WINDOW = re.compile(r"^(?P<day>[A-Za-z]+) (?P<start>\d\d:\d\d) (?P<hours>\d{1,2})h\Z")


class WeeklyWindowArgs(TypedDict):
    day_of_week: str
    """Monday .. Sunday."""
    start_time: str
    """HH:MM in UTC."""
    duration_hours: int
    """4 to 24."""


def window_problem(window: WeeklyWindowArgs) -> str | None:
    if window["day_of_week"] not in WEEKDAYS:
        return f"day {window['day_of_week']!r} is not one of {', '.join(WEEKDAYS)}"
    if not _START.match(window["start_time"]):
        return f"start {window['start_time']!r} is not a time HH:MM"
    if not SHORTEST_HOURS <= window["duration_hours"] <= LONGEST_HOURS:
        return f"lasts {window['duration_hours']} hours; a window lasts {SHORTEST_HOURS} to {LONGEST_HOURS} hours"
    return None


def parse_window(text: str) -> WeeklyWindowArgs | None:
    """`Sunday 01:00 6h` -> a weekly window; None when the text has another shape."""
    match = _WINDOW.match(text.strip())
    if not match:
        return None
    return WeeklyWindowArgs(day_of_week=match["day"], start_time=match["start"], duration_hours=int(match["hours"]))


def weekly_maintenance(
    name: str,
    schedule: str,
    resource_group_name: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    window: WeeklyWindowArgs,
    opts: pulumi.ResourceOptions,
) -> aks.MaintenanceConfiguration:
    return aks.MaintenanceConfiguration(
        name,
        resource_group_name=resource_group_name,
        resource_name_=cluster_name,
        config_name=schedule,
        maintenance_window=aks.MaintenanceWindowArgs(
            schedule=aks.ScheduleArgs(weekly=aks.WeeklyScheduleArgs(day_of_week=window["day_of_week"], interval_weeks=1)),
            start_time=window["start_time"],
            duration_hours=window["duration_hours"],
            utc_offset="+00:00",
        ),
        opts=opts,
    )
