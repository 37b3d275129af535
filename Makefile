# SIPAS portal. `make demo` and `make test` work on a bare machine with Python >= 3.11.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# vietnam-provinces 2026.9.0 declares Python >= 3.12 but runs on 3.11; it is pure data.
PROVINCES := vietnam-provinces==2026.9.0

.PHONY: demo test worker beat lint bench venv devenv browser pdfdeps deploydeps messages serve

# The English catalogue is compiled here, not tracked (a binary file would not merge).
MO := locale/en/LC_MESSAGES/django.mo
$(MO): locale/en/LC_MESSAGES/django.po
	@if ! command -v msgfmt >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	fi
	msgfmt --check-format -o $@ $<

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps --ignore-requires-python $(PROVINCES)
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
devenv: $(VENV)/.dev-installed

# Debian's Chromium for the Playwright tests (playwright cannot download browsers here).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; browser tests will be skipped"; \
	fi

# System libraries WeasyPrint needs for the PDF reports (Pango, HarfBuzz subsetting)
# and DejaVu fonts for Vietnamese; installed on Debian/Ubuntu when running as root.
pdfdeps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		! dpkg -s libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null) \
		|| echo "warning: could not install the PDF libraries; PDF reports will fail"; \
	fi

# What the production-recipe tests run (tests/deploy, marker `deploy`): nginx in
# front of gunicorn with a self-signed certificate (openssl) and the pg_dump /
# pg_restore drill. RUNLEVEL=1 keeps the package from starting the system nginx.
deploydeps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		! (command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]) || \
		! command -v openssl >/dev/null || ! command -v pg_dump >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq nginx openssl postgresql-client >/dev/null) \
			|| echo "warning: could not install nginx/openssl/postgresql-client; deploy tests will be skipped"; \
		fi; \
	fi

demo: export DEBUG ?= true
# Links, QR posters and printed logins point at the address the demo serves.
demo: export SITE_URL ?= http://$(HOST):$(PORT)
demo: venv pdfdeps $(MO)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py compute_indices --sync
	$(PY) manage.py create_demo_users
	@echo ""
	@echo "  SIPAS portal: http://$(HOST):$(PORT)/"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: export DEBUG ?= true
serve: export SITE_URL ?= http://$(HOST):$(PORT)
serve: venv $(MO)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: devenv browser pdfdeps deploydeps $(MO)
	@$(PY) -c "from django.conf import settings" >/dev/null
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: venv
	$(VENV)/bin/celery -A sipas worker -l info --concurrency $${CELERY_CONCURRENCY:-2}

beat: venv
	$(VENV)/bin/celery -A sipas beat -l info --schedule var/celerybeat-schedule

lint: devenv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint $(PY) manage.py makemigrations --check --dry-run

messages: export DEBUG ?= true
messages: devenv
	$(PY) manage.py makemessages -l en --no-obsolete --no-location
	$(PY) manage.py compilemessages -l en

bench: devenv
	$(PY) bench/run.py
