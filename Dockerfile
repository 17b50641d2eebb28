# syntax=docker/dockerfile:1
# Build: a pure-Go static binary (FerretDB's SQLite driver is pure Go, no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hailong .
RUN mkdir -p /out/data

# Run: distroless, non-root. The embedded database (when MONGODB_URI is unset)
# lives in /data; mount a volume there to keep it.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hailong /hailong
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV HAILONG_ADDR=:8080 HAILONG_DATA_DIR=/data
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/hailong"]
