# Everything runs through scripts/toolchain.sh, which provisions Python >= 3.14.2 on first use.
TOOL := scripts/toolchain.sh
RUN := $(TOOL) run
CODE := custom_components simulator tests bench scripts demo

.PHONY: setup test lint hassfest format typecheck pytest fuzz simulator bench translations demo e2e

setup:
	@$(TOOL) setup

lint: setup
	@$(RUN) ruff check $(CODE)
	@$(RUN) ruff format --check $(CODE)

format: setup
	@$(RUN) ruff format $(CODE)
	@$(RUN) ruff check --fix $(CODE)

# Home Assistant's hassfest, from ../shared/tools/hassfest-core when it exists (else skipped).
hassfest: setup
	@scripts/hassfest.sh

typecheck: setup
	@$(RUN) mypy custom_components simulator demo

# pytest gates total coverage; scripts/coverage_gate.py then gates each module of the integration.
pytest: setup
	@$(RUN) python -m pytest
	@$(RUN) python scripts/coverage_gate.py

test: lint hassfest typecheck pytest

# The provider clients against many more generated answers than `make test` tries (tests/fuzz);
# failures found are kept in tests/fuzz/corpus/ for every later run: commit them.
fuzz: setup
	@$(RUN) env HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz -q -p no:cacheprovider --no-cov -o addopts=""

translations: setup
	@$(RUN) python scripts/translations.py

simulator: setup
	@$(RUN) python -m simulator $(ARGS)

bench: setup
	@$(RUN) python -m pytest bench -q -s -p no:cacheprovider --no-cov -o addopts="" -k "" 2>&1 | grep -E "^BENCH|passed|failed|error"

demo: setup
	@$(TOOL) setup requirements_demo.txt
	@$(RUN) python -m demo

e2e: setup
	@$(TOOL) setup requirements_demo.txt
	@scripts/e2e.sh
