"""``python -m cce_scan``."""

import sys

from cce_scan.cli import main

sys.exit(main())
