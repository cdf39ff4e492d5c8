# The two commands a newcomer needs: `make run` and `make test`. See README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MODEL := models/engage.tar.gz
RASA_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard languages/*/nlu.yml) bot/nlu_importer.py

.PHONY: run test bench lint venv train check-campaigns clean

venv: $(STAMP)

# One resolver run over pyproject.toml (pins included) keeps Rasa's own pins intact.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { PY=$$(scripts/find-python) && echo "Creating $(VENV) with $$PY" && $$PY -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip check
	@touch $(STAMP)

# Retrain only when the Rasa configuration or training data changed.
$(MODEL): $(STAMP) $(RASA_INPUTS)
	$(BIN)/rasa train --fixed-model-name engage --out models --quiet
	@touch $(MODEL)

train: $(MODEL)

run: $(STAMP) $(MODEL)
	$(BIN)/engage run

test: $(STAMP)
	scripts/ensure-browser
	scripts/ensure-haproxy
	$(BIN)/python -m pytest

bench: $(STAMP) $(MODEL)
	$(BIN)/python -m bench.conversations
	$(BIN)/python -m bench.launch
	$(BIN)/python -m bench.scaleout
	$(BIN)/python -m bench.burst
	$(BIN)/python -m bench.faults

lint: $(STAMP)
	$(BIN)/ruff check bot actions tests bench

check-campaigns: $(STAMP)
	@for f in campaigns/*.yml; do $(BIN)/engage campaign check $$f || exit 1; done

clean:
	rm -rf $(VENV) models/*.tar.gz var
