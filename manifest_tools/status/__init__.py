"""get-status and create-job output: the model and the readers for every form it is held in."""

from .model import Artifact, JobStatus, StatusForm, StatusReading
from .read import read_status

__all__ = ["Artifact", "JobStatus", "StatusForm", "StatusReading", "read_status"]
