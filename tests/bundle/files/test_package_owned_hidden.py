"""U-33 and the dpkg database: hidden files a package owns unchanged are not listed for review.

Debian's cron ships /etc/cron.d/.placeholder (a conffile: its md5 is in the status file's Conffiles),
openssh-server the directory /etc/sv/ssh/.meta with its conffile "installed"; files outside /etc have
their md5 in info/<package>.md5sums. A listed file whose content changed is reviewed as before.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.bundle.files.test_files_items import make_root, run_check

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="owners and modes need root privileges")

KEEP = "keep\n"
PLACEHOLDER = (
    "# DO NOT EDIT OR REMOVE\n# This file is a simple placeholder to keep dpkg from removing this directory\n"
)


def md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def dpkg_root(base: Path, placeholder: str = PLACEHOLDER) -> Path:
    root = make_root(
        base,
        {
            "/etc/cron.d/.placeholder": placeholder,
            "/etc/sv/ssh/.meta/installed": "",
            "/usr/share/app/.keep": KEEP,
            "/var/lib/dpkg/info/cron.list": "/.\n/etc\n/etc/cron.d\n/etc/cron.d/.placeholder\n",
            "/var/lib/dpkg/info/openssh-server.list": "/etc/sv/ssh\n/etc/sv/ssh/.meta\n/etc/sv/ssh/.meta/installed\n",
            "/var/lib/dpkg/info/app.list": "/usr/share/app\n/usr/share/app/.keep\n",
            "/var/lib/dpkg/info/app.md5sums": f"{md5(KEEP)}  usr/share/app/.keep\n",
            "/var/lib/dpkg/status": (
                "Package: cron\nStatus: install ok installed\nVersion: 3.0pl1-162\nConffiles:\n"
                f" /etc/cron.d/.placeholder {md5(PLACEHOLDER)}\n\n"
                "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\nConffiles:\n"
                f" /etc/sv/ssh/.meta/installed {md5('')}\n"
            ),
        },
    )
    return root


def test_hidden_files_the_dpkg_database_owns_unchanged_are_not_listed(tmp_path: Path) -> None:
    got = run_check(dpkg_root(tmp_path), tmp_path / "w", "U-33")
    assert got.status == "GOOD", got.reason + got.evidence
    assert (
        "package-owned hidden files unchanged per the dpkg database (info/*.list, md5sums, conffiles): 3"
        in (got.evidence)
    )


def test_a_changed_or_unowned_hidden_file_is_still_reviewed(tmp_path: Path) -> None:
    root = dpkg_root(tmp_path, placeholder="echo changed\n")
    (root / "etc/sv/ssh/.meta/extra").write_text("not from the package\n")
    got = run_check(root, tmp_path / "w", "U-33")
    assert got.status == "MANUAL", got.reason
    assert "review: /etc/cron.d/.placeholder" in got.evidence
    assert "review: /etc/sv/ssh/.meta " in got.evidence  # a file below it is not the package's
    assert "review: /usr/share/app/.keep" not in got.evidence  # unchanged per info/app.md5sums
