"""Fixtures of the improvement tests: the dashboard people and agencies."""

from tests.dashboard_fixtures import *  # noqa: F403
