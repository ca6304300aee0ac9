# Two entry points (see README): `make demo` and `make test`. Each sets itself up.
# Commands by hand: `make venv`, then `source .venv/bin/activate` once per terminal, then
# `konray-review …` (README, docs/huong-dan-su-dung.md).
SHELL := /bin/bash
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# compiled bytecode caches make every process start seconds faster: uv compiles the venv
# when it installs it (the first `make demo` does not pay ~15 s of compiling)
unexport PYTHONDONTWRITEBYTECODE
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test test-fast lint bench venv forms serve clean datadocs-assets

venv: .venv/.synced

# the system's python3 even after `source .venv/bin/activate` (the venv has neither pip nor uv)
SYSTEM_PATH := $(shell echo "$$PATH" | tr ':' '\n' | grep -vx '$(CURDIR)/.venv/bin' | paste -sd: -)
.venv/.synced: pyproject.toml uv.lock
	@PATH="$(SYSTEM_PATH)" python3 -m uv --version >/dev/null 2>&1 || PATH="$(SYSTEM_PATH)" python3 -m pip install --quiet --disable-pip-version-check uv
	env -u VIRTUAL_ENV PATH="$(SYSTEM_PATH)" python3 -m uv sync --frozen --extra dev --python python3.11
	@touch $@

# DEMO_ARGS passes options, e.g. `make demo DEMO_ARGS="--households 500"`
demo: venv
	-@$(MAKE) --no-print-directory datadocs-assets  # offline Data Docs; optional for the demo
	.venv/bin/konray-review demo $(DEMO_ARGS)

# CSS/JS that GX Data Docs otherwise load from CDNs (konray_review/quality/datadocs.py)
datadocs-assets: expectations/datadocs/node_modules/.installed

expectations/datadocs/node_modules/.installed: expectations/datadocs/package-lock.json
	cd expectations/datadocs && npm ci --no-audit --no-fund --silent
	@touch $@

serve: venv
	.venv/bin/konray-review serve

forms: venv
	.venv/bin/konray-review forms build

test: venv
	bash .ci/test

# Inner loop: no services started, strict mode off, and the tests that need the Node engine,
# Java (JavaRosa), Chromium or PostgreSQL left out; the run's summary names what it left out.
# Never a substitute for `make test` (CI runs that, strict).
FAST_MARKERS := not node and not java and not browser and not postgres and not office
test-fast: venv
	@echo "test-fast: leaving out tests marked node, java, browser, postgres, office (make test runs them)"
	env -u CI $(PY) -m pytest -m "$(FAST_MARKERS)" $(ARGS)

lint: venv
	.venv/bin/ruff check .
	.venv/bin/mypy konray_review

bench: venv
	$(PY) bench/classify.py

clean:
	rm -rf output build .pytest_cache
