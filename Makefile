# Two entry points (see README): `make demo` and `make test`. Each sets itself up.
SHELL := /bin/bash
PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# compiled bytecode caches make every process start seconds faster
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint bench venv forms serve clean

venv: .venv/.synced

.venv/.synced: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check uv
	python3 -m uv sync --frozen --extra dev --python python3.11
	@touch $@

demo: venv
	.venv/bin/konray-review demo

serve: venv
	.venv/bin/konray-review serve

forms: venv
	.venv/bin/konray-review forms build

test: venv
	bash .ci/test

lint: venv
	.venv/bin/ruff check .

bench: venv
	$(PY) bench/classify.py

clean:
	rm -rf output build .pytest_cache
