# Every target installs what it needs on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
TORCH   := torch==2.13.0
DEMO    := runs/demo

.PHONY: install lint test demo all bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q $(TORCH)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/pytest -q -n 2

# the main job on the bundled simulated cohort: featurize -> explore -> cv (cbam-resnet + 2 baselines) -> report
demo: $(STAMP)
	$(BIN)/hiv featurize --out $(DEMO)/features
	$(BIN)/hiv explore --data $(DEMO)/features --out $(DEMO)/explore
	$(BIN)/hiv cv --model cbam-resnet,logreg,random-forest --data $(DEMO)/features \
		--folds 5 --epochs 15 --seed 0 --out $(DEMO)/cv --force
	$(BIN)/hiv report $(DEMO)/cv

all: lint test demo

bench: $(STAMP)
	$(BIN)/python bench/featurize.py
	$(BIN)/python bench/cv.py
	$(BIN)/python bench/predict.py

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache *.egg-info
