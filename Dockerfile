# Placeholder: the multi-stage, architecture-checked image is tracked in the Docker issue.
FROM debian:bookworm-slim
