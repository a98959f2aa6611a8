"""IAM in the local world: the Terraform's own policies, judged on every call as AWS judges them.

- :mod:`localworld.iam.model`: what a call asks (:class:`Authorization`) and what IAM answers
  (:class:`Decision`).
- :mod:`localworld.iam.policy`: the evaluation of identity and resource policies.
- :mod:`localworld.iam.terraform`: the policies read from the HCL of ``terraform/modules``.
- :mod:`localworld.iam.requests`: a request on the wire → the authorizations it needs.
- :mod:`localworld.iam.gate`: the gate in front of moto, its AccessDenied answers and the call log.
"""
