# Shared by scripts/etfsim and scripts/test: create or reuse a virtual environment
# and (re)install the project into it when pyproject.toml changed.
# Usage: ensure_venv DIR EXTRAS   (EXTRAS like "" or "[test]")
ensure_venv() {
    local venv="$1" extras="$2"
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    local python="${ETFSIM_PYTHON:-}"
    if [ -z "$python" ]; then
        for candidate in python3.11 python3.12 python3.13 python3; do
            if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
        done
    fi
    if [ -z "$python" ]; then
        echo "etfsim: no python3 found; install Python 3.11 or set ETFSIM_PYTHON" >&2
        return 2
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "etfsim: creating virtual environment $venv" >&2
        "$python" -m venv "$venv" || return 2
    fi
    # Reinstall only when the dependency list changed: a hash of pyproject.toml is the stamp.
    local stamp="$venv/.etfsim-stamp" want
    want="$(cat "$root/pyproject.toml" | sha256sum | cut -d' ' -f1)$extras"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "etfsim: installing dependencies into $venv (first run takes about a minute)" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2 || return 2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root$extras" >&2 || return 2
        echo "$want" > "$stamp"
    fi
}
