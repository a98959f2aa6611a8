"""Package data the world reads, as paths on disk, found with :mod:`importlib.resources`.

The world reads three things besides code: its fixture roots (``localworld/fixture_roots/``), the
IAM of the Terraform modules (the ``terraform`` package's ``modules/``) and the Slack app manifest
(``bot/manifest.yaml``). Each travels in the wheel as package data of its package, so an installed
``cce-scan[local]`` starts the world from any directory, as a checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from localworld.errors import WorldError

__all__ = ["package_path"]


def package_path(package: str, *parts: str) -> Path:
    """``parts`` of ``package``'s data as a path on disk.

    The world copies fixture roots with ``cp -a`` and hands paths to other processes, so the
    package must be installed as files (a wheel installed by pip is), not imported from a zip.
    """
    resource = files(package).joinpath(*parts)
    if not isinstance(resource, Path):
        raise WorldError(f"{package} is not installed as files: {'/'.join(parts)} has no path on disk")
    return resource
