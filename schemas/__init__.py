"""JSON Schemas for AWS Import/Export manifests, shipped inside the package (see README)."""
