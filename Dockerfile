# Buurtbot in a container: the database and backups live on the /data volume, the bot runs as
# an unprivileged user. See README "Running on a server" (Docker).
#   docker build -t buurtbot .
#   docker run -d --name buurtbot --restart unless-stopped --env-file buurtbot.env \
#       -v buurtbot-data:/data buurtbot
FROM python:3.11-slim

# Fonts for the images the bot draws (the QR sign for the door, the weekly chart): DejaVu for
# Latin and Arabic letters, Abyssinica SIL for Tigrinya's Ge'ez letters.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-sil-abyssinica \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home buurtbot \
    && mkdir -p /data && chown buurtbot:buurtbot /data

WORKDIR /opt/buurtbot
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY locales ./locales
RUN pip install --no-cache-dir . && cp README.md /opt/buurtbot/README.md

USER buurtbot
WORKDIR /data
VOLUME ["/data"]
ENV BUURTBOT_CONFIG=/data/buurtbot.toml \
    BUURTBOT_DB=/data/buurtbot.db \
    PYTHONUNBUFFERED=1
# docker stop sends SIGTERM: the bot saves its conversations and stops within seconds.
STOPSIGNAL SIGTERM
EXPOSE 8080
# Needs [web] in the settings (port 8080, the default).
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s \
    CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=8).status == 200 else 1)"
CMD ["buurtbot", "run"]
