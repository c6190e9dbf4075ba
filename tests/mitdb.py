"""The six MIT-BIH Arrhythmia Database records in ../shared/data/mitdb (lead MLII, 360 Hz, 200
units per mV), and the standard scoring of detected beats against their reference beats.

MIT-BIH Arrhythmia Database: Moody GB, Mark RG. The impact of the MIT-BIH Arrhythmia Database.
IEEE Eng Med Biol 20(3):45-50, 2001; PhysioNet: Goldberger AL et al. Circulation
101(23):e215-e220, 2000 (Open Data Commons Attribution License v1.0).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devtools.processes import PROJECT_ROOT

FOLDER = PROJECT_ROOT.parent / "shared" / "data" / "mitdb"
RECORDS = ("100", "102", "104", "105", "106", "108")
SAMPLING_FREQUENCY = 360
TOLERANCE_SAMPLES = 54  # 150 ms


def available() -> bool:
    return all((FOLDER / f"{record}.npy").exists() for record in RECORDS)


def signal(record: str) -> np.ndarray:
    return np.load(FOLDER / f"{record}.npy")


def reference_beats(record: str) -> np.ndarray:
    return np.loadtxt(FOLDER / f"{record}_beats.csv", skiprows=1, dtype=np.int64)


@dataclass
class Score:
    """True positives, false negatives and false positives of a detection."""

    tp: int = 0
    fn: int = 0
    fp: int = 0

    def __add__(self, other: "Score") -> "Score":
        return Score(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp)

    @property
    def sensitivity(self) -> float:
        return 100 * self.tp / (self.tp + self.fn)

    @property
    def positive_predictivity(self) -> float:
        return 100 * self.tp / (self.tp + self.fp)


def score(detected: np.ndarray, reference: np.ndarray) -> Score:
    """A detection within 150 ms of a reference beat is a true positive; each matched once."""
    detected = np.sort(detected)
    used = np.zeros(detected.size, dtype=bool)
    matched = 0
    for beat in reference:
        low = np.searchsorted(detected, beat - TOLERANCE_SAMPLES)
        high = np.searchsorted(detected, beat + TOLERANCE_SAMPLES, side="right")
        candidates = [k for k in range(low, high) if not used[k]]
        if candidates:
            used[min(candidates, key=lambda k: abs(detected[k] - beat))] = True
            matched += 1
    return Score(matched, reference.size - matched, detected.size - matched)


def json_upload(record: str, ecg_id: str) -> dict:
    return {
        "id": ecg_id,
        "sampling_frequency": SAMPLING_FREQUENCY,
        "leads": [
            {
                "name": "MLII",
                "signal": signal(record).tolist(),
                "calibration": {"unit": "mV", "scale": 0.005},
            }
        ],
    }


def shared_data_missing_reason() -> str:
    return f"the MIT-BIH records are not in {Path(FOLDER)}"
