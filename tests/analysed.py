"""Every analysis of a recording given as whole signals, as an upload runs them."""

import numpy as np

from analysis.recording import RecordingAnalysis
from recordings.ingest import analyse_leads
from recordings.model import Calibration, LeadInput, Recording


def analyse(
    signals: dict[str, np.ndarray],
    sampling_frequency: float,
    calibration: Calibration | None = None,
) -> tuple[dict, np.ndarray]:
    """The ECG's insights and beats for leads named by ``signals``, in that order, each with
    ``calibration``."""
    leads = [LeadInput(name, lambda s=signal: [s], calibration) for name, signal in signals.items()]
    recording = Recording(leads, sampling_frequency)
    analysis = RecordingAnalysis(recording)
    analyse_leads(recording, analysis)
    return analysis.finish()
