# The ECG service: gunicorn serving the Flask app as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin ecg

# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The service's code, by name (tests, tooling and local state never enter the image); owned by
# root and read-only to the service user.
COPY app.py gunicorn.conf.py ./
COPY plumbing/ plumbing/
COPY recordings/ recordings/
COPY analysis/ analysis/
COPY formats/ formats/
COPY auth/ auth/
COPY ecg/ ecg/
COPY health/ health/
COPY openapi/ openapi/
COPY rendering/ rendering/
COPY viewer/ viewer/

USER ecg
ENV HOST=0.0.0.0 \
    PORT=5000
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]
