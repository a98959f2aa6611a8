"""U-33's package-owned test (_u33_package_owned) on a root whose dpkg database lists hidden files and
hidden directories: a listed hidden file with its recorded md5 is package-owned, a changed one is not;
a listed hidden directory is package-owned only when every entry below it is listed and unchanged
(nested hidden directories, links, names with a blank or a backslash, a top-level hidden file); a
hidden directory no package lists is never, whatever lies below it."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from tests.bundle.runner import BUNDLE_DIR

LISTED = [
    "/.hid",
    "/etc/cron.d/.placeholder",
    "/etc/sv/ssh/.meta",
    "/etc/sv/ssh/.meta/installed",
    "/opt/.a",
    "/opt/.a/f1",
    "/opt/.a/b",
    "/opt/.a/b/.c",
    "/opt/.a/b/.c/f2",
    "/opt/.a/b/f3",
    "/opt/.a/lnk",
    "/opt/.u/.v",
    "/opt/.u/.v/g",
    "/etc/.x",
    "/etc/.x/a\\b",
    "/etc/.x/sp ace",
    "/etc/.x/.zz",
    "/usr/.m",
    "/usr/.m/f",
    "/srv/.partly",
    "/srv/.partly/listed",
]


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324  # dpkg's own checksum


def build_root(root: Path) -> None:
    files = {
        ".hid": "top\n",
        "etc/cron.d/.placeholder": "ph\n",
        "etc/sv/ssh/.meta/installed": "inst\n",
        "opt/.a/f1": "1\n",
        "opt/.a/b/.c/f2": "2\n",
        "opt/.a/b/f3": "3\n",
        "opt/.u/.v/g": "v\n",
        "opt/.u/other": "not listed\n",
        "etc/.x/a\\b": "bs\n",
        "etc/.x/sp ace": "q\n",
        "etc/.x/.zz": "z\n",
        "usr/.m/f": "changed since installed\n",
        "srv/.partly/listed": "l\n",
        "srv/.partly/stray": "not listed\n",
        "home/u/.unlisted/deep/file": "x\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "opt/.a/lnk").symlink_to("f1")
    info = root / "var/lib/dpkg/info"
    info.mkdir(parents=True)
    (info / "p1.list").write_text("".join(p + "\n" for p in LISTED))
    sums = []
    for path in LISTED:
        full = root / path.lstrip("/")
        if full.is_file() and not full.is_symlink() and path != "/etc/sv/ssh/.meta/installed":
            digest = "0" * 32 if path == "/usr/.m/f" else md5(full)
            sums.append(f"{digest}  {path.lstrip('/')}\n")
    (info / "p1.md5sums").write_text("".join(sums))
    conffile = root / "etc/sv/ssh/.meta/installed"
    (root / "var/lib/dpkg/status").write_text(
        f"Package: p1\nStatus: install ok installed\nConffiles:\n /etc/sv/ssh/.meta/installed {md5(conffile)}\n"
    )
    (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n")
    (root / "etc/group").write_text("root:x:0:\nu:x:1000:\n")


def package_owned(root: Path, stage: Path) -> list[str]:
    libs = " ".join(f'. "{p}";' for p in sorted((BUNDLE_DIR / "lib").glob("*.sh")))
    script = f'{libs} . "{BUNDLE_DIR / "checks" / "U-33.sh"}"; _u33_package_owned "$(cce_walk_slice H)"'
    env = {"PATH": "/usr/bin:/bin", "CCE_ROOT": str(root), "CCE_STAGE": str(stage), "CCE_WORK": str(stage)}
    proc = subprocess.run(
        ["sh", "-c", script], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return sorted(proc.stdout.splitlines())


def test_package_owned_hidden_entries_are_the_listed_unchanged_ones(tmp_path: Path) -> None:
    root = tmp_path / "root"
    stage = tmp_path / "stage"
    stage.mkdir()
    build_root(root)
    assert package_owned(root, stage) == [
        "/.hid",
        "/etc/.x",  # every entry below it listed and unchanged, a backslash and a blank in two names
        "/etc/.x/.zz",
        "/etc/cron.d/.placeholder",
        "/etc/sv/ssh/.meta",  # its one entry a conffile with the md5 in dpkg's status
        "/opt/.a",  # a nested hidden directory and a link below it, all listed
        "/opt/.a/b/.c",
        "/opt/.u/.v",  # listed, inside /opt/.u which no package lists
    ]
    # not: /usr/.m (its file changed), /srv/.partly (a stray file below it), /opt/.u and
    # /home/u/.unlisted (listed by no package)
