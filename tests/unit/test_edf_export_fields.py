"""What EDF+'s fixed fields cannot hold is refused, not cut or changed; padding reads as 0."""

from datetime import UTC, datetime

import numpy as np
import pytest

from formats.edf_export import ExportLead, NotExportable, plan, stream
from recordings.model import Calibration

START = datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
MICROVOLTS = Calibration("uV", 1.0)
SAMPLES = np.arange(1001) % 50  # at 500 Hz, 1 s and one sample: a second record, padded


def lead(name="II", calibration=MICROVOLTS, samples=SAMPLES):
    return ExportLead(name, calibration, samples.size, [samples.astype(np.int16)])


def test_a_micro_sign_is_written_as_edf_writes_it():
    """Found in review: µV became _V, which no reader takes for a voltage."""
    header = plan(START, 500, [lead(calibration=Calibration("µV", 1.0))]).header
    assert header[256 + 2 * (16 + 80) : 256 + 2 * (16 + 80) + 8] == b"uV      "


@pytest.mark.parametrize(
    ("exported", "problem"),
    [
        (lead(name="Ableitung Einthoven II"), "16 printable ASCII"),
        (lead(name="Ableitung Ⅱ"), "16 printable ASCII"),
        (lead(calibration=Calibration("microvolt", 1.0)), "8 printable ASCII"),
    ],
    ids=["name over 16 characters", "name beyond ASCII", "unit over 8 characters"],
)
def test_names_and_units_edf_cannot_hold_are_refused_rather_than_cut(exported, problem):
    """Found in review: they were cut to their field, or their characters replaced by _."""
    with pytest.raises(NotExportable, match=problem):
        plan(START, 500, [exported])


def test_the_last_record_is_padded_with_the_leads_baseline():
    """Found in review: digital 0 padding read back as a step of -baseline in the lead's unit."""
    padded = lead(calibration=Calibration("uV", 1.0, baseline=100), samples=np.full(1001, 100))
    edf_plan = plan(START, 500, [padded])
    data = b"".join(list(stream(edf_plan, [padded]))[1:])
    records = np.frombuffer(data, dtype="<i2").reshape(edf_plan.records, -1)
    signal = records[:, : edf_plan.samples_per_record].ravel()
    assert signal.size > 1001 and set(signal.tolist()) == {100}


def test_a_physical_range_that_reads_back_shifted_is_refused():
    """Found in review: at 0.1 µV per step in V, the 8-character range moved every sample by up
    to 30 steps, silently."""
    with pytest.raises(NotExportable, match="too fine"):
        plan(START, 500, [lead(calibration=Calibration("V", 1e-7))])
    assert plan(START, 500, [lead(calibration=Calibration("mV", 1 / 3))]).records == 3


def test_records_the_service_could_not_read_back_are_refused():
    """Found in review: 43 leads at 100 kHz made records over the EDF reader's limit."""
    many = [lead(name=f"L{index}") for index in range(43)]
    with pytest.raises(NotExportable, match="reads back"):
        plan(START, 100_000, many)
