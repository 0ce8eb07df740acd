# Buurtbot. `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast run lint format locales check-locales bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## run the bot on the built-in sandbox with demo data
	$(BIN)/buurtbot demo

test: $(STAMP)  ## install and run the whole test suite
	$(BIN)/ruff check bot tests $(wildcard bench)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)  ## the fast tier: rules without Telegram (tests/unit, seconds)
	$(BIN)/python -m pytest -q tests/unit

run: $(STAMP)  ## run against real Telegram (needs buurtbot.toml or BUURTBOT_TOKEN)
	$(BIN)/buurtbot run

lint: $(STAMP)
	$(BIN)/ruff check bot tests $(wildcard bench)

format: $(STAMP)
	$(BIN)/ruff format bot tests $(wildcard bench)

locales: $(STAMP)  ## add new strings from the code to every catalogue
	$(BIN)/python -m bot.i18n_tools update

check-locales: $(STAMP)
	$(BIN)/python -m bot.i18n_tools check

bench: $(STAMP)  ## performance figures (see README)
	@failed=""; for script in bench/bench_*.py; do echo "== $$script"; \
		$(BIN)/python $$script || failed="$$failed $$script"; done; \
	if [ -n "$$failed" ]; then echo "== missed a target:$$failed"; exit 1; fi; \
	echo "== every bench met its targets"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache demo-data
