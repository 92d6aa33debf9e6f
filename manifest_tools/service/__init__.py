"""A local AWS Import/Export web service (2010-06-01 query API) that the real AWS CLI and
boto3 talk to through ``--endpoint-url``; see README "manifest-tools service"."""
