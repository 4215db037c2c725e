# syntax=docker/dockerfile:1
# The cilint image: a static binary on a small base that has the shell
# GitLab jobs need, ShellCheck for --shellcheck and Graphviz for
# cilint graph --format svg (the cilint component's pipeline-graph.svg).
# Runs as non-root.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY linter ./linter
COPY schema ./schema
ARG VERSION=devel
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION}" -o /out/cilint ./linter/cmd/cilint

FROM alpine:3.24
RUN apk add --no-cache shellcheck graphviz && adduser -D -u 10001 cilint
COPY --from=build /out/cilint /usr/local/bin/cilint
USER 10001
ENTRYPOINT ["cilint"]
