"""The top-level --help text, generated from the typer app by tests/cli/test_fast_help.py.

Do not edit: run `UPDATE_HELP=1 pytest tests/cli/test_fast_help.py`.
"""

ROOT_HELP = (
    'Usage: manifest-tools [OPTIONS] COMMAND [ARGS]...\n'
    '\n'
    '  AWS Import/Export (Disk) jobs from manifest to log: validate manifests, sign\n'
    '  and write SIGNATURE files, read and verify get-status output, check and\n'
    "  prepare the device, reconcile AWS's job log, and rehearse a job on a local\n"
    '  service. Exit codes: 0 clean, 1 findings, 2 usage or I/O error.\n'
    '\n'
    'Options:\n'
    '  --version             Print the version and exit.\n'
    '  --debug               Show a full traceback on an internal error.\n'
    '  --install-completion  Install completion for the current shell.\n'
    '  --show-completion     Show completion for the current shell, to copy it or\n'
    '                        customize the installation.\n'
    '  -h, --help            Show this message and exit.\n'
    '\n'
    'Commands:\n'
    '  validate         Validate manifests (2.0 and 3.0) before shipping.\n'
    '  init             Print a commented skeleton manifest to fill in.\n'
    "  schema           Print a job type's JSON Schema.\n"
    "  sign             Compute a manifest's SIGNATURE file for a job id.\n"
    '  write-signature  Write the SIGNATURE into a device root, atomically.\n'
    "  verify           Check a job's SIGNATURE and manifest against get-status.\n"
    '  status           Summarise get-status or list-jobs output.\n'
    '  preflight        Check a device before shipping: files, keys, SIGNATURE.\n'
    '  prepare          Copy files onto the device with a journal; resume.\n'
    "  log              Read a job's log; reconcile it with the device or journal.\n"
    '  service          Rehearse whole jobs on a local Import/Export service.\n'
    '  rules            List every rule, or explain one.\n'
)
