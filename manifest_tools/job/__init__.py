"""One job's inputs and the operations on all of them together.

- :mod:`.loader`: the manifest, get-status output, the device's SIGNATURE, a SIGNATURE file
  and the secret key, read and sniffed once (every command's way in);
- :mod:`.verification`: ``verify``'s checks of those inputs against one another;
- :mod:`.preflight`: ``preflight`` with get-status, one operation (the verifier's checks
  merged as findings);
- :mod:`.manifest_fields`: two manifests compared field by field;
- :mod:`.sign_checks`: the warnings ``sign`` gives for a SIGNATURE AWS will not accept.

An operation: above ``device`` and ``logs`` (it uses both), below the presentation.
"""
