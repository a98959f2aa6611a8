"""``cce-scan doctor``: a deployment checked as AWS and Slack judge it, after ``terraform apply``.

Pure check logic over injected clients (:mod:`cce_scan.doctor.access` is the one edge that builds
boto3 sessions); every AWS or Slack error becomes a failed :class:`~cce_scan.doctor.model.Check`
with its reason. :func:`cce_scan.doctor.run.run_doctor` runs them all.
"""
