"""ECGs drawn on standard ECG paper: the geometry (millimetres per second and per millivolt,
grid, calibration pulse, layouts) as drawing primitives in millimetres, written as SVG or PDF.

Pure numpy; depends only on the domain model.
"""
