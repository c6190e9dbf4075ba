"""The ECG blueprint for the user role: routes and their request and response schemas."""
