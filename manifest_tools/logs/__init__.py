"""AWS Import/Export job logs: read them, write them (for tests and the local service), and
reconcile them with the device that was shipped."""
