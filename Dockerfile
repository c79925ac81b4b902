# lorebot: review Linux kernel patch series. One image serves the GitHub Action
# (`lorebot action`), hand reviews and `lorebot watch` from cron, with the
# database and outbox on the /var/lib/lorebot volume.
FROM python:3.11.10-slim-bookworm

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="lorebot" \
      org.opencontainers.image.description="Review bot for Linux kernel patch series" \
      org.opencontainers.image.source="https://github.com/lorebot/lorebot" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="GPL-2.0-only"

# git: b4 and the Action's checkout need it. Debian's security updates move
# its version, so it is pinned by the base image rather than here.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/lorebot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY rules ./rules
# The rule packs and models ship inside the installed package (bot/rules).
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1001 lorebot \
    && mkdir -p /var/lib/lorebot \
    && chown lorebot /var/lib/lorebot

ENV XDG_DATA_HOME=/var/lib/lorebot \
    XDG_STATE_HOME=/var/lib/lorebot/state \
    PYTHONDONTWRITEBYTECODE=1
VOLUME ["/var/lib/lorebot"]
# No USER: GitHub runs a Docker action as the image's user and requires the
# default, root (the workspace and /github/file_commands belong to the runner's
# user). For cron, run it as the lorebot user: docker run --user lorebot ...
ENTRYPOINT ["lorebot"]
CMD ["--help"]
