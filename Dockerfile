# EPMO Portfolio Analytics: one stateless replica. The store lives on object storage
# (EPMO_STORE=s3://bucket/prefix); run as many replicas as needed behind a proxy with
# sticky sessions (deploy/compose.yaml, docs/deployment.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    EPMO_STORE=s3://epmo/store \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_CLIENT_TOOLBAR_MODE=minimal

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY app.py pyproject.toml LICENSE ./
COPY .streamlit ./.streamlit
COPY assets ./assets
COPY app_pages ./app_pages
COPY epmo ./epmo
COPY queries ./queries
COPY mappings ./mappings

RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin epmo
USER 10001
EXPOSE 8501

# Ready when Streamlit answers and the store's Delta logs can be read.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "epmo", "health", "--url", "http://127.0.0.1:8501"]

CMD ["python", "-m", "streamlit", "run", "app.py"]
