# Every target bootstraps its own virtual environment on a fresh machine (Python 3.11+):
# .venv for the tests and tools, .venv-demo for `make demo` (the package and the AWS CLI only).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
# pytest-xdist workers: one per CPU and one more, because many tests wait (on a server, a
# sync, pip, npm, chromium) rather than compute; the spare worker fills those waits (idle
# 2-core machine: 156 s with 2 workers, 145 s with 3). Tests sharing a module fixture run on
# one worker (--dist loadgroup with @pytest.mark.xdist_group).
WORKERS ?= $(shell $(PYTHON) -c 'import os; print((os.cpu_count() or 1) + 1)')
PYTEST := -n $(WORKERS) --dist loadgroup --durations=10

.PHONY: demo test check test-loaded fuzz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DEMO_STAMP): pyproject.toml
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -e '.[demo]'
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python samples/demo.py

# The whole suite, then ruff and mypy (all three run; the target fails if any failed).
test: $(STAMP)
	@.ci/suite $(BIN) $(PYTEST)

# The inner loop: the same without the tests marked slow (see README, Development).
check: $(STAMP)
	@.ci/suite $(BIN) $(PYTEST) -m 'not slow'

# `make test` beside two CPU-bound processes, as on a busy 2-core laptop: it must pass too.
test-loaded: $(STAMP)
	@yes > /dev/null & one=$$!; yes > /dev/null & two=$$!; \
	trap 'kill $$one $$two 2>/dev/null' EXIT INT TERM; \
	echo "test-loaded: two CPU burners (pids $$one $$two) beside make test"; \
	$(MAKE) --no-print-directory test

fuzz: $(STAMP)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} $(BIN)/python -m pytest tests/fuzz -q -s

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
