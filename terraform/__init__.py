"""The Terraform modules, shipped in the wheel as this package's data (``modules/*/*.tf``).

Operators deploy from this directory of a checkout (``terraform/modules/central``,
``terraform/modules/member_role``, wired as ``terraform/examples/complete`` wires them). The local
world reads the same files' IAM (``localworld.iam.terraform``); this file makes the directory a
package, so an installed ``cce-scan[local]`` finds them with :mod:`importlib.resources` as a
checkout does, from the one copy here.
"""
