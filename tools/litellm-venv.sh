#!/usr/bin/env bash
# Installs the LiteLLM proxy that tests/test_litellm_proxy.py runs, in a virtual environment of
# its own (.litellm-venv/ at the repo root, git-ignored) so that LiteLLM's dependencies never
# reach the project's venv. The tests find it at that path or through TAGSMOKE_LITELLM_PYTHON.
# Re-running is cheap: an environment that already has the pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.108.7
venv=${TAGSMOKE_LITELLM_VENV:-.litellm-venv}
python=${PYTHON:-python3}
# Offline: LiteLLM would otherwise try to download its model cost map at import.
export LITELLM_LOCAL_MODEL_COST_MAP=True

if [ -x "$venv/bin/python" ] && "$venv/bin/python" - "$version" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
assert version("litellm") == sys.argv[1]
import litellm.proxy.proxy_server  # noqa: F401  (the proxy's extras are importable)
PY
  echo "litellm $version already in $venv"
  exit 0
fi

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "litellm[proxy]==$version"
"$venv/bin/python" -c 'import litellm.proxy.proxy_server' >/dev/null
echo "litellm $version installed in $venv"
