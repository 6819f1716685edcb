# Conventional multi-stage build for hosts that can pull from a registry.
# CI builds the image with `make image` (scripts/image.sh, buildah, no daemon, no
# pulls); this file describes the same image. Both follow deploy/image.env and
# TestDockerfileMatchesImageSpec (deploy/image_test.go) fails when they drift.
#
#   docker build --build-arg VERSION=$(git describe --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t apistarter .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# go.mod replaces asynqmon with this copy (see third_party/asynqmon/FORK.md).
COPY third_party ./third_party
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -tags=nodynamic,grpcnotrace \
      -ldflags "-s -w -X apistarter/internal/app.Version=${VERSION}" \
      -o /out/apistarter ./cmd/apistarter \
 && mkdir -p /out/data /out/tmp && chmod 0755 /out/data && chmod 1777 /out/tmp

FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build --chown=65532:65532 /out/tmp /tmp
COPY --from=build --chmod=0755 /out/apistarter /apistarter
USER 65532:65532
WORKDIR /data
ENV STORAGE_DIR=/data/storage
EXPOSE 8000/tcp
LABEL org.opencontainers.image.title="apistarter" \
      org.opencontainers.image.description="Organization-scoped REST API: serve, worker, scheduler, migrate" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
ENTRYPOINT ["/apistarter"]
CMD ["serve"]
