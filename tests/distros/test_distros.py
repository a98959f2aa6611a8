"""Stock Debian roots: the real bundle's 67 verdicts on each match its golden file.

``make test-distros`` builds the roots first (``tests/distros/build-roots.sh``: debootstrap from the
machine's Debian mirror, cached outside git under ``.local-world/distros`` or ``DISTROS_CACHE``):
Debian 11, 12 and 13, each ``minimal`` (minbase) and ``services`` (minbase plus common services and
the packages the KISA items read, installed but never started). The golden files
(``golden/<release>-<variant>.json``) record every item's status as the bundle judged the stock
root; a mismatch prints a diff of the changed items with today's reasons. After a deliberate change
of a check, ``CCE_DISTROS_UPDATE=1 make test-distros`` rewrites the golden files (review the diff).

Kept out of ``make test`` (marker ``distros``): building the roots needs root privileges and the
Debian archive, and takes minutes.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.bundle.runner import STATUSES, BundleRun, run_bundle

pytestmark = [pytest.mark.distros, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
ALL_CODES = [f"U-{n:02d}" for n in range(1, 68)]
RELEASES = ("bullseye", "bookworm", "trixie")
VARIANTS = ("minimal", "services")
ROOTS = [f"{release}-{variant}" for release in RELEASES for variant in VARIANTS]


def cache_dir() -> Path:
    path = Path(os.environ.get("CCE_DISTROS_CACHE", ".local-world/distros"))
    return path if path.is_absolute() else REPO / path


def root_of(name: str) -> Path:
    return cache_dir() / name / "root"


def mounts_below(root: Path) -> list[str]:
    """Mount points inside ``root`` (debootstrap's /proc, if one were left behind)."""
    prefix = str(root) + "/"
    mounts = Path("/proc/mounts").read_text(encoding="utf-8").splitlines()
    return [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def load_golden(name: str) -> dict[str, str]:
    data = json.loads(golden_path(name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {str(code): str(status) for code, status in data.items()}


def verdict_diff(name: str, want: dict[str, str], run: BundleRun) -> list[str]:
    """One line per item whose status moved from the golden file, with today's reason."""
    lines = []
    for code in ALL_CODES:
        item = run.items.get(code, {})
        got = str(item.get("status", "<missing>"))
        if want.get(code) != got:
            reason = " ".join(str(item.get("reason", "")).split())
            lines.append(f"  {code}: golden {want.get(code, '<missing>')} -> now {got}  ({reason})")
    return lines


@pytest.fixture(scope="module")
def distro_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BundleRun]:
    """Every built root through the real bundle, two at a time (the roots are large)."""
    base = tmp_path_factory.mktemp("distros")
    present = [name for name in ROOTS if (root_of(name).parent / "key").is_file()]

    def run(name: str) -> BundleRun:
        # A generous per-item limit: the walks of a whole root on a loaded machine.
        return run_bundle(root_of(name), base / name, env={"CCE_ITEM_TIMEOUT": "120"}, timeout=1500)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(present, pool.map(run, present), strict=True))


def test_golden_files_cover_every_root_and_item() -> None:
    for name in ROOTS:
        golden = load_golden(name)
        assert list(golden) == ALL_CODES, f"{golden_path(name).name}: not exactly U-01..U-67 in order"
        assert set(golden.values()) <= set(STATUSES), f"{golden_path(name).name}: unknown status"


@pytest.mark.parametrize("name", ROOTS)
def test_stock_root_verdicts_match_golden(name: str, distro_runs: dict[str, BundleRun]) -> None:
    if name not in distro_runs:
        pytest.fail(f"{root_of(name)} is not built: run `make test-distros` (it builds the roots)")
    run = distro_runs[name]
    assert not mounts_below(root_of(name)), f"{name}: mounts inside the root (the bundle would walk them)"
    assert run.returncode == 0, run.stderr
    assert run.order == ALL_CODES
    assert run.summary["type"] == "summary"

    if os.environ.get("CCE_DISTROS_UPDATE") == "1":
        verdicts = {code: run.items[code]["status"] for code in ALL_CODES}
        golden_path(name).write_text(json.dumps(verdicts, indent=2) + "\n", encoding="utf-8")

    diff = verdict_diff(name, load_golden(name), run)
    assert not diff, f"{name}: {len(diff)} verdict(s) differ from {golden_path(name).name}:\n" + "\n".join(
        diff
    )
