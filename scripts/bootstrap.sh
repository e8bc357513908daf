#!/usr/bin/env bash
# Installs the pinned toolchain into .tools/ (git-ignored). Idempotent: a second run only
# verifies stamps and returns within seconds.
#
# Each Python tool gets its own virtualenv (pipx style) because SAM CLI, checkov and the
# emulator each pin many libraries and would fight in a shared one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

# --- pinned versions (change here only) -------------------------------------------------
SAM_CLI_VERSION="1.170.0"
AWSCLI_VERSION="1.46.2"
CFN_LINT_VERSION="1.58.0"
CHECKOV_VERSION="3.3.30"
MINISTACK_VERSION="1.5.33"
SAM_TRANSLATOR_VERSION="1.115.0"
SCHEMATHESIS_VERSION="4.32.5"
# AWS Lambda Runtime Interface Emulator: what `sam local invoke` runs inside its container, built from its Go module
# (no Docker here). The Java runtime interface client it drives is a Maven dependency of local-runtime.
RIE_MODULE="github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
RIE_VERSION="v0.0.0-20261030222936-bef5c4ba774d"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

# --- Java 25 -----------------------------------------------------------------------------
find_java25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25*; do
    [[ -n "$candidate" && -x "$candidate/bin/java" ]] || continue
    if "$candidate/bin/java" -version 2>&1 | grep -qE 'version "25'; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}
if ! JAVA25="$(find_java25)"; then
  log "ERROR: no Java 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/temurin-25*)."
  log "Install a JDK 25, e.g. 'apt-get install temurin-25-jdk' (Adoptium repo) or from https://adoptium.net,"
  log "then export JAVA_HOME=/path/to/jdk-25 and run this again."
  exit 1
fi
echo "$JAVA25" > "$TOOLS/java-home"

# --- Python tools, one venv each -----------------------------------------------------------
PYTHON="${PYTHON:-python3}"
# A venv's scripts carry the absolute path of its interpreter in their first line. Made through the
# physical path (.tools may be a symlink shared by several checkouts), and reinstalled when that
# interpreter is gone or is another venv's (the checkout or the venv was moved): an entry point such
# as .tools/bin/st would otherwise fail with "cannot execute: required file not found".
venv_usable() { # venv
  local interpreter
  interpreter="$(head -n1 "$1/bin/pip" 2>/dev/null)"; interpreter="${interpreter#\#!}"
  [[ -x $interpreter && "$(cd "$(dirname "$interpreter")/.." 2>/dev/null && pwd -P)" == "$(cd "$1" && pwd -P)" ]]
}
install_tool() { # name spec... ; stamp = the pinned spec, so a pin change reinstalls
  local name="$1"; shift
  mkdir -p "$TOOLS/venvs"
  local venv; venv="$(cd "$TOOLS/venvs" && pwd -P)/$name"
  local stamp="$TOOLS/venvs/$name.stamp" want="$*"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]] && venv_usable "$venv"; then
    return 0
  fi
  log "installing $name ($want)"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$want" > "$stamp"
}
link() { # venv executable -> .tools/bin (by the physical path, like the venvs)
  ln -sf "$(cd "$TOOLS/venvs" && pwd -P)/$1/bin/$2" "$BIN/$2"
}

install_tool sam "aws-sam-cli==$SAM_CLI_VERSION" &
install_tool awscli "awscli==$AWSCLI_VERSION" &
install_tool cfnlint "cfn-lint==$CFN_LINT_VERSION" &
install_tool checkov "checkov==$CHECKOV_VERSION" &
install_tool ministack "ministack[full]==$MINISTACK_VERSION" "aws-sam-translator==$SAM_TRANSLATOR_VERSION" &
install_tool schemathesis "schemathesis==$SCHEMATHESIS_VERSION" &
fail=0
for job in $(jobs -p); do wait "$job" || fail=1; done
if (( fail )); then log "ERROR: a tool failed to install (see above)"; exit 1; fi

link sam sam
link awscli aws
link cfnlint cfn-lint
link checkov checkov
link ministack ministack
link schemathesis st

# --- Lambda Runtime Interface Emulator (Go) ------------------------------------------------------
# `make invoke`, `make local`'s Lambda proxy and the RIE cold-path benchmark run the shaded jar under it.
install_rie() {
  local stamp="$TOOLS/aws-lambda-rie.stamp" want="$RIE_MODULE@$RIE_VERSION" go_bin
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$BIN/aws-lambda-rie" ]]; then
    return 0
  fi
  go_bin="$(command -v go || true)"
  [[ -n "$go_bin" ]] || { [[ -x /usr/local/go/bin/go ]] && go_bin=/usr/local/go/bin/go; }
  if [[ -z "$go_bin" ]]; then
    log "ERROR: Go is needed to build the Lambda Runtime Interface Emulator ($want)."
    log "Install Go 1.22 or newer (e.g. 'apt-get install golang-go'), then run this again."
    return 1
  fi
  log "building aws-lambda-rie ($want; about 1-2 minutes the first time)"
  # -trimpath: a reproducible binary independent of where the module cache lives.
  GOBIN="$BIN" GOFLAGS="-buildvcs=false -trimpath" "$go_bin" install "$want"
  echo "$want" > "$stamp"
}
install_rie

# Maven wrapper: warm its distribution so later offline-ish runs are fast.
if [[ ! -f "$TOOLS/mvnw.stamp" ]]; then
  log "fetching Maven via the wrapper"
  JAVA_HOME="$JAVA25" "$ROOT/mvnw" -q -v >/dev/null
  touch "$TOOLS/mvnw.stamp"
fi

log "ok: java=$JAVA25 tools in $BIN"
