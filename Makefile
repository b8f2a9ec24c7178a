# exhibit — every step a user needs, from a fresh clone.
#   make transcript FILE=recording.m4a   set up (first time) and make the exhibit in out/<name>/
#   make app                             the app in your browser: every case in out/ (ROOT=folder for another)
#                                        with its state, and each case's review step
#   make review FILE=recording.m4a       the review page in your browser: listen, correct, mark lines reviewed
#   make package FILE=recording.m4a      the exhibit, then its evidence package in out/<name>/package/ (refused
#                                        while the court copy is a draft; DRAFT=1 packages a draft, marked so)
#   make batch DIR=folder                every recording in a folder, each in out/<name>/, on Ray; summary CSV
#   make models                          the models again: fetched and checked, the diarizer's ONNX exports made
#                                        and checked against torch; says which engine runs each network
#   make doctor                          one screen for a support request: versions, models, engines, disk, tools
#   make test                            set up (first time) and run the tests
#   make pdf-tools                       LibreOffice, poppler and a Chinese font for the PDF checks (as root on
#                                        Debian: installed; else one line saying how; also run by make test)
#   make browser-tools                   Debian's chromium for the review page's browser tests (as pdf-tools)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MODELS_OK := models/.verified
FILE ?=
ARGS ?=
DIR ?=
ROOT ?= out

.PHONY: install models doctor pdf-tools browser-tools transcript app review package batch test test-unit eval-asr \
	eval-diarization eval-facts bench bench-long bench-app clean-venv

install: $(INSTALLED)

$(INSTALLED): pyproject.toml tools/cpu_torchaudio.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23.2"
	@# the CPU torch first, so that nothing pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) tools/cpu_torchaudio.py
	@touch $@

# `make models` always runs (quick when all is there); the runs and tests need it once (the stamp)
models: $(INSTALLED)
	$(PY) -m pipeline models

$(MODELS_OK): configs/models.toml $(INSTALLED) pipeline/modelsetup.py pipeline/stages/diarize/onnx.py
	$(PY) -m pipeline models

doctor: $(INSTALLED)
	$(PY) -m pipeline doctor

pdf-tools:
	@bash tools/ensure_pdf_tools.sh

browser-tools:
	@bash tools/ensure_browser.sh

transcript: install $(MODELS_OK)
	@test -n "$(FILE)" || { echo "usage: make transcript FILE=path/to/recording.m4a [ARGS='--language zh --speakers 2']"; exit 2; }
	$(PY) -m pipeline transcript "$(FILE)" $(ARGS)

app: install $(MODELS_OK)
	@mkdir -p "$(ROOT)"
	$(PY) -m pipeline app "$(ROOT)" $(ARGS)

review: install
	@test -n "$(FILE)" || { echo "usage: make review FILE=path/to/recording.m4a (after make transcript FILE=…)"; exit 2; }
	$(PY) -m pipeline review "out/$(basename $(notdir $(FILE)))" $(ARGS)

package: transcript
	$(PY) -m pipeline package "out/$(basename $(notdir $(FILE)))" $(if $(DRAFT),--draft)

batch: install $(MODELS_OK)
	@test -n "$(DIR)" || { echo "usage: make batch DIR=path/to/folder [ARGS='--workers 2 --language zh']"; exit 2; }
	$(PY) -m pipeline batch "$(DIR)" $(ARGS)

test: install $(MODELS_OK) pdf-tools browser-tools
	$(PY) -m pytest -q tests

test-unit: install
	$(PY) -m pytest -q tests -m "not integration"

eval-asr: install $(MODELS_OK)
	$(PY) tools/eval_asr.py

eval-diarization: install $(MODELS_OK)
	$(PY) tools/eval_diarization.py

eval-facts: install
	$(PY) tools/eval_facts.py

bench: install $(MODELS_OK)
	$(PY) tools/bench.py

bench-long: install $(MODELS_OK)
	$(PY) tools/bench.py --stages --minutes 60

bench-app: install $(MODELS_OK) browser-tools
	$(PY) tools/bench_app.py

clean-venv:
	rm -rf $(VENV)
