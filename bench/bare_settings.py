"""Settings for the load benchmark's server: the portal's own, plus one bare URL.

Only `bench/load.py` points DJANGO_SETTINGS_MODULE here; production never loads
this module, so the bare insert URL does not exist outside the benchmark.
"""

from sipas.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
