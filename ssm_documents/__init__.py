"""What runs on the hosts, as a package: the check bundle (``bundle/``: ``script.sh``, ``lib/``,
``checks/``, packed by :mod:`ssm_documents.bundle_tar` into a reproducible ``script.tar``) and the
Command document (``document.template.yaml``, rendered for one results bucket by
:mod:`ssm_documents.document`). Both read their sources as package data, so they work from an
installed wheel as from a checkout.
"""
