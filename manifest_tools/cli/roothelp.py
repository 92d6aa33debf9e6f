"""The top-level --help text, generated from the typer app by tests/cli/test_fast_help.py.

Do not edit: run `UPDATE_HELP=1 pytest tests/cli/test_fast_help.py`.
"""

ROOT_HELP = (
    'Usage: manifest-tools [OPTIONS] COMMAND [ARGS]...\n'
    '\n'
    '  Validate AWS Import/Export (Disk) manifests, write and verify SIGNATURE\n'
    '  files, and read get-status output. Exit codes: 0 clean, 1 findings, 2 usage\n'
    '  or I/O error.\n'
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
    '  validate         Validate manifests: syntax, schema and cross-field...\n'
    '  init             Print a commented skeleton manifest; it validates once...\n'
    "  schema           Print a job type's JSON Schema (self-contained, with...\n"
    '  sign             Compute the SIGNATURE file for a manifest and job id...\n'
    '  write-signature  Write SIGNATURE into a device root atomically, read it...\n'
    '  verify           Check a job: SIGNATURE vs get-status, local manifest...\n'
    '  status           Summarise get-status output: where the device is,...\n'
    '  preflight        Check a device before shipping: SIGNATURE, file...\n'
    '  prepare          Copy files onto the device with a journal; resume;...\n'
    "  log              Read a job's log: failures, totals; with --device...\n"
    '  service          Rehearse whole jobs on a local Import/Export service.\n'
    '  rules            List every rule (id, name, level, source), or explain...\n'
)
