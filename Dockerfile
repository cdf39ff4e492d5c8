# One image for every process of a scaled-out engage; the command chooses which
# (bot/process.py: migrate, rasa, actions, worker, console). See docs/deploy.md and
# deploy/compose.yml.
#
#   docker build -t engage:latest .
#   docker run --env-file deploy/engage.env engage:latest migrate
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 HOME=/app \
    RASA_TELEMETRY_ENABLED=false MPLCONFIGDIR=/tmp

RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /app --shell /usr/sbin/nologin engage

WORKDIR /app
# Everything in one resolver run from pyproject.toml (pins included), so Rasa's pins hold.
COPY . .
RUN pip install -e . && pip check \
 && rasa train --fixed-model-name engage --out models --quiet \
 && rm -rf .rasa /tmp/* \
 && mkdir -p var && chown -R engage var

USER engage
EXPOSE 5005 5055 5080 5090
ENTRYPOINT ["python", "-m", "bot.process"]
CMD ["rasa"]
