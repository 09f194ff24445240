# One image for every process of the hub (docs/deploy.md): `sellerbridge web` by default; docker-compose.yml
# runs the same image as `worker`, `scheduler` and the one-shot migration.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# README.md is the package's long description (pyproject.toml): the build needs it.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf /src

# Not root: the hub needs no privilege. data_dir holds nothing in the distributed mode (the key and the
# intake token come from the environment, the queue is Redis); it is writable for the embedded mode.
RUN groupadd --system --gid 10001 sellerbridge \
    && useradd --system --uid 10001 --gid sellerbridge --home-dir /data --create-home --shell /usr/sbin/nologin sellerbridge
ENV SELLERBRIDGE_DATA_DIR=/data
USER sellerbridge
WORKDIR /data

EXPOSE 8800
# The web process answers /healthz; compose turns this check off for the worker and the scheduler,
# which serve no HTTP. The slim image has no curl: Python's urllib does the request.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8800/healthz', timeout=4).status != 200)"]

CMD ["sellerbridge", "web", "--host", "0.0.0.0", "--port", "8800"]
