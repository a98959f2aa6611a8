"""IAM in the local world: the Terraform's own policies, judged on every call as AWS judges them.

- :mod:`localworld.iam.model`: what a call asks (:class:`Authorization`) and what IAM answers
  (:class:`Decision`).
- :mod:`localworld.iam.policy`: the evaluation of identity and resource policies.
- :mod:`localworld.iam.principals`: the principal of an access key, and the identity and resource
  policies moto holds for it.
- :mod:`localworld.iam.terraform`: the roles and resource policies read from the HCL of
  ``terraform/modules`` (with :mod:`localworld.iam.hcl`, :mod:`localworld.iam.tfmodule` and
  :mod:`localworld.iam.policy_document`), and applying the roles.
- :mod:`localworld.iam.requests`: a request on the wire → the authorizations it needs (with
  :mod:`localworld.iam.lookups`, what it reads from moto).
- :mod:`localworld.iam.gate`: the gate in front of moto and the call log; :mod:`localworld.iam.denied`
  its AccessDenied answers.
"""
