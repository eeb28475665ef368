# syntax=docker/dockerfile:1
# rastar-init's image, in two stages:
#   build    Debian 12 with docker/build-packages.txt: compiles rastar-init,
#            links rastar-init-static (its C++ libraries from their .a files)
#            and runs the unit suite, so a broken build never becomes an image.
#   runtime  the base image (a Node image, as the Rastar image is) with only
#            docker/runtime-packages.txt added, and the stripped binary.
#
#   docker build -t rastar-init:0.1.0 .
#
# A Node app's own Dockerfile needs two lines from it: see
# examples/node-app/Dockerfile. tests/image/run-in-rootfs.sh checks the
# runtime stage's contents on a root filesystem built from the same package
# list, without a Docker engine.

ARG RUNTIME_IMAGE=node:20-bookworm-slim

FROM debian:bookworm AS build
COPY docker/build-packages.txt /tmp/build-packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/build-packages.txt \
    | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The default build (its unit suite must pass) and rastar-init-static, the
# same objects linked against the C++ libraries' .a files and stripped.
RUN cmake -S . -B build -G Ninja -DRASTAR_STATIC_DEPS=ON -DRASTAR_WARNINGS_AS_ERRORS=ON \
 && cmake --build build \
 && ctest --test-dir build -R '^unit$' --output-on-failure

FROM ${RUNTIME_IMAGE} AS runtime
COPY docker/runtime-packages.txt /usr/share/rastar-init/runtime-packages.txt
RUN apt-get update \
 && grep -v '^#' /usr/share/rastar-init/runtime-packages.txt \
    | DEBIAN_FRONTEND=noninteractive xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/rastar-init-static /usr/local/bin/rastar-init
COPY config/rastar-init.yaml /app/config/rastar-init.yaml
# D4: every command in the container (migrate status, healthcheck) reads the
# same config as `run`.
ENV RASTAR_INIT_CONFIG=/app/config/rastar-init.yaml
WORKDIR /app
# rastar-init stays root to start each service as its configured user
# (`user: node` in the config) and to reap every process as PID 1.
STOPSIGNAL SIGTERM
# /healthz is 200 from the first phase, so a replica waiting for the migration
# lock is not marked unhealthy; start_period covers the first migrations.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["rastar-init", "healthcheck"]
ENTRYPOINT ["rastar-init"]
CMD ["run"]
