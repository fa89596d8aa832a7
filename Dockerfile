# syntax=docker/dockerfile:1
# egressguard image. Build: docker build -t egressguard .
# The firewall init image of sidecar mode: docker build --target netinit -t egressguard-netinit .
# Install steps match `make`: hash-locked dependencies, then the project without deps.
ARG PYTHON_IMAGE=python:3.12.12-slim-bookworm
ARG DEBIAN_IMAGE=debian:12.12-slim

# ---------------------------------------------------------------- build
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Dependencies first (cached while only our code changes), every file hash-checked.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY egressguard ./egressguard
RUN pip install --no-deps . \
    && python -m compileall -q /opt/venv/lib \
    && egressguard --help > /dev/null

# ---------------------------------------------------------------- netinit
# Root init container of sidecar mode: installs the owner-match iptables rules.
FROM ${DEBIAN_IMAGE} AS netinit
RUN apt-get update \
    && apt-get install -y --no-install-recommends iptables=1.8.9-2 \
    && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/bin/sh", "-c"]

# ---------------------------------------------------------------- runtime (default)
FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="egressguard" \
      org.opencontainers.image.description="Egress firewall for AI-agent sandboxes" \
      org.opencontainers.image.source="https://github.com/egressguard/egressguard" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
# A fixed numeric UID/GID (10001): the kubelet can check runAsNonRoot, and the sidecar
# firewall lets only this UID out. Writable paths are volumes, so the root filesystem
# can be read-only.
RUN groupadd --system --gid 10001 egressguard \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /var/lib/egressguard --shell /usr/sbin/nologin egressguard \
    && mkdir -p /var/lib/egressguard /var/run/egressguard/ca /etc/egressguard \
    && chown 10001:10001 /var/lib/egressguard /var/run/egressguard/ca \
    && chmod 0700 /var/lib/egressguard
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    EGRESSGUARD_CONFDIR=/var/lib/egressguard \
    EGRESSGUARD_CA_EXPORT_DIR=/var/run/egressguard/ca \
    EGRESSGUARD_LISTEN=0.0.0.0:8080 \
    EGRESSGUARD_METRICS=0.0.0.0:9464 \
    EGRESSGUARD_ADMIN=127.0.0.1:9465
# The confdir holds the CA key and the admin token: a volume, never baked in.
VOLUME ["/var/lib/egressguard"]
USER 10001:10001
EXPOSE 8080 9464
# Kubernetes ignores HEALTHCHECK (the chart has probes); this is for plain `docker run`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; port = os.environ.get('EGRESSGUARD_METRICS', '127.0.0.1:9464').rsplit(':', 1)[1]; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % port, timeout=4)"]
# mitmproxy handles SIGTERM/SIGINT itself and spawns no children: no init needed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["egressguard"]
CMD ["run"]
