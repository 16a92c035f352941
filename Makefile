# Two commands for a newcomer: `make demo` and `make test`. Both create the local venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: demo test venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml setup.py workflow/gcmsflow/io/_jcamp_pages.c workflow/gcmsflow/io/_unit_mass.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

demo/samples.tsv: | $(VENV)/.installed
	$(BIN)/gcmsflow simulate --out demo

demo: $(VENV)/.installed demo/samples.tsv
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --cores $(CORES)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --report results/report.html
	@echo "Report: results/report.html"

test: $(VENV)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

clean:
	rm -rf results .snakemake
