"""Render the README's example: a realistic synthetic 12-lead ECG, uploaded to a server of its
own and drawn by the service's /render route into docs/example-12-lead.svg.

    python -m devtools.render_example
The ECG: 72 bpm with a little sinus arrhythmia, each beat a P wave, a QRS complex and a T wave
(Gaussians) scaled per lead roughly as a normal frontal and precordial axis gives them, plus
baseline wander and noise; 10 s at 500 Hz, 2.5 uV per step.
"""

import secrets
import tempfile
from pathlib import Path

import numpy as np
import requests

from devtools.accounts import bearer, log_in, new_account
from devtools.mongodb import LocalDatabase
from devtools.processes import PROJECT_ROOT, child_environment, run_init, start_app_server
from devtools.waiting import free_port, stop_process

OUTPUT = PROJECT_ROOT / "docs" / "example-12-lead.svg"
FREQUENCY = 500
# (P, QRS, S, T) amplitudes in mV per lead.
WAVES = {
    "I": (0.08, 0.7, -0.1, 0.2),
    "II": (0.15, 1.2, -0.2, 0.35),
    "III": (0.07, 0.5, -0.15, 0.15),
    "aVR": (-0.1, -0.9, 0.1, -0.25),
    "aVL": (0.03, 0.2, -0.1, 0.05),
    "aVF": (0.1, 0.85, -0.15, 0.25),
    "V1": (0.06, 0.3, -1.0, -0.1),
    "V2": (0.08, 0.6, -1.2, 0.4),
    "V3": (0.08, 0.9, -0.8, 0.45),
    "V4": (0.08, 1.4, -0.4, 0.45),
    "V5": (0.08, 1.3, -0.2, 0.35),
    "V6": (0.07, 1.0, -0.1, 0.3),
}


def synthetic_12_lead(seconds: float = 10, seed: int = 4) -> dict[str, np.ndarray]:
    generator = np.random.default_rng(seed)
    t = np.arange(int(seconds * FREQUENCY)) / FREQUENCY
    beats, moment = [], 0.35
    while moment < seconds:
        beats.append(moment)
        moment += 0.83 + 0.04 * np.sin(2 * np.pi * moment / 4)

    def wave(centre: float, width: float) -> np.ndarray:
        return sum(np.exp(-(((t - beat - centre) / width) ** 2)) for beat in beats)

    p, r, s, tw = wave(-0.16, 0.025), wave(0.0, 0.011), wave(0.025, 0.012), wave(0.26, 0.05)
    leads = {}
    for name, (p_mv, r_mv, s_mv, t_mv) in WAVES.items():
        millivolts = p_mv * p + r_mv * r + s_mv * s + t_mv * tw
        millivolts += 0.05 * np.sin(2 * np.pi * 0.25 * t + len(name)) + generator.normal(
            0, 0.01, t.size
        )
        leads[name] = np.round(millivolts / 0.0025).astype(int)
    return leads


def main() -> None:
    admin_password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as scratch, LocalDatabase(Path(scratch) / "db") as database:
        environment = child_environment(
            MONGODB_URI=database.uri,
            SECRET_KEY=secrets.token_urlsafe(48),
            ADMIN_USERNAME="admin",
            ADMIN_PASSWORD=admin_password,
        )
        run_init(environment)
        port = free_port()
        server = start_app_server(environment, port)
        try:
            base = f"http://127.0.0.1:{port}/api/v1"

            admin = log_in(base, "admin", admin_password)
            user = bearer(new_account(base, admin, "example", secrets.token_urlsafe(16)))
            leads = [
                {
                    "name": name,
                    "signal": samples.tolist(),
                    "calibration": {"unit": "uV", "scale": 2.5},
                }
                for name, samples in synthetic_12_lead().items()
            ]
            body = {
                "id": "example-12-lead",
                "date": "2024-05-01T10:30:00+00:00",
                "sampling_frequency": FREQUENCY,
                "leads": leads,
            }
            requests.post(f"{base}/ecgs", json=body, headers=user, timeout=60).raise_for_status()
            svg = requests.get(f"{base}/ecgs/example-12-lead/render", headers=user, timeout=60)
            svg.raise_for_status()
            OUTPUT.parent.mkdir(exist_ok=True)
            OUTPUT.write_text(svg.text)
            print(f"Wrote {OUTPUT} ({len(svg.text) / 1024:.0f} KiB)")
        finally:
            stop_process(server)


if __name__ == "__main__":
    main()
