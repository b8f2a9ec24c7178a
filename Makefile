# exhibit — every step a user needs, from a fresh clone.
#   make transcript FILE=recording.m4a   set up (first time) and make the exhibit in out/<name>/
#   make review FILE=recording.m4a       the review page in your browser: listen, correct, mark lines reviewed
#   make package FILE=recording.m4a      the exhibit, then its evidence package in out/<name>/package/
#   make batch DIR=folder                every recording in a folder, each in out/<name>/, on Ray; summary CSV
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

.PHONY: install models pdf-tools browser-tools transcript review package batch test test-unit eval-asr \
	eval-diarization eval-facts bench bench-long clean-venv

install: $(INSTALLED)

$(INSTALLED): pyproject.toml tools/cpu_torchaudio.py
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23.2"
	@# the CPU torch first, so that nothing pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) tools/cpu_torchaudio.py
	@touch $@

models: $(MODELS_OK)

$(MODELS_OK): configs/models.toml $(INSTALLED)
	$(PY) -m pipeline models
	@# the diarizer's networks for ONNX Runtime, exported from the files above and checked by sha256
	$(PY) -m pipeline.stages.diarize.onnx

pdf-tools:
	@bash tools/ensure_pdf_tools.sh

browser-tools:
	@bash tools/ensure_browser.sh

transcript: install models
	@test -n "$(FILE)" || { echo "usage: make transcript FILE=path/to/recording.m4a [ARGS='--language zh --speakers 2']"; exit 2; }
	$(PY) -m pipeline transcript "$(FILE)" $(ARGS)

review: install
	@test -n "$(FILE)" || { echo "usage: make review FILE=path/to/recording.m4a (after make transcript FILE=…)"; exit 2; }
	$(PY) -m pipeline review "out/$(basename $(notdir $(FILE)))" $(ARGS)

package: transcript
	$(PY) -m pipeline package "out/$(basename $(notdir $(FILE)))"

batch: install models
	@test -n "$(DIR)" || { echo "usage: make batch DIR=path/to/folder [ARGS='--workers 2 --language zh']"; exit 2; }
	$(PY) -m pipeline batch "$(DIR)" $(ARGS)

test: install models pdf-tools browser-tools
	$(PY) -m pytest -q tests

test-unit: install
	$(PY) -m pytest -q tests -m "not integration"

eval-asr: install models
	$(PY) tools/eval_asr.py

eval-diarization: install models
	$(PY) tools/eval_diarization.py

eval-facts: install
	$(PY) tools/eval_facts.py

bench: install models
	$(PY) tools/bench.py

bench-long: install models
	$(PY) tools/bench.py --stages --minutes 60

clean-venv:
	rm -rf $(VENV)
