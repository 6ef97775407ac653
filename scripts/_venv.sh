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
        echo "etfsim: installing dependencies into $venv (a minute or more the first time)" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2 || return 2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root$extras" >&2 || return 2
        echo "$want" > "$stamp"
        warm_kernels "$venv" "$root"
    fi
}

# Compile the main job's numba kernels once, while installing, into numba's on-disk cache (__pycache__
# next to the sources), so the first `etfsim run` loads them instead of compiling them.  The main job on a
# few paths compiles every kernel it uses: the types, not the sizes, pick what is compiled.  A failure only
# moves the compiling to the first run, so it is reported and the set-up goes on.
warm_kernels() {
    local venv="$1" root="$2" tmp
    tmp="$(mktemp -d)"
    echo "etfsim: compiling the numba kernels once (about a minute the first time)" >&2
    if ! (cd "$root" && "$venv/bin/python" -m etfsim run --paths 8 --compare-paths 4 --out-dir "$tmp" >/dev/null 2>&1); then
        echo "etfsim: compiling the kernels ahead failed; the first run will compile them" >&2
    fi
    rm -rf "$tmp"
}
