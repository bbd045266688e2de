# Stage timing for scripts/test (sourced): `stage NAME BUDGET_SECONDS command...` runs the
# command, prints its time, and fails the run with a clear message when the stage took
# longer than its budget. Budgets are about 1.5x a cold stage measured on the 2-core CI
# machine, so only a real regression trips them; a warm run (ccache) uses far less.
# `stage_summary` prints the table at the end.
_stage_rows=()
_stage_t0=$(date +%s)

stage() {
  local name=$1 budget=$2
  shift 2
  echo "== ${name} (budget ${budget} s)"
  local t0 rc=0
  t0=$(date +%s)
  "$@" || rc=$?
  local took=$(($(date +%s) - t0))
  _stage_rows+=("$(printf '%-22s %6d s   budget %6d s' "$name" "$took" "$budget")")
  echo "== ${name}: ${took} s"
  if ((rc != 0)); then
    stage_summary
    echo "FAILED: stage '${name}' exited with ${rc}" >&2
    exit "$rc"
  fi
  if ((took > budget)) && [[ -z "${CAMGATE_NO_STAGE_BUDGET:-}" ]]; then
    stage_summary
    echo "FAILED: stage '${name}' took ${took} s, over its budget of ${budget} s." >&2
    echo "        The CI time guard in scripts/test stops here: a slower stage eats the" >&2
    echo "        budget every issue shares. Make it faster (or, if the machine is busy," >&2
    echo "        rerun with CAMGATE_NO_STAGE_BUDGET=1 to see the times)." >&2
    exit 1
  fi
}

stage_summary() {
  echo "== stage times"
  local r
  for r in "${_stage_rows[@]}"; do echo "   $r"; done
  echo "   $(printf '%-22s %6d s' total $(($(date +%s) - _stage_t0)))"
}

# Fails when the whole run took longer than `budget` seconds: CI stops at 90 minutes,
# and this says so first, with the table above.
stage_total_check() {
  local took=$(($(date +%s) - _stage_t0))
  if ((took > $1)) && [[ -z "${CAMGATE_NO_STAGE_BUDGET:-}" ]]; then
    echo "FAILED: the run took ${took} s, over its total budget of $1 s (CI's limit is 5400 s)." >&2
    exit 1
  fi
}

# Fails at once, with figures, when the disk cannot hold the builds: a full disk otherwise
# shows up half an hour later as a linker error. `disk_check DIR GIB` needs GIB free under
# DIR, less 3 GiB for each build directory already there (a rebuild reuses most of it).
disk_check() {
  local dir=$1 need=$2 d
  for d in "$dir"/build "$dir"/build-asan "$dir"/build-tsan; do
    [[ -d "$d" ]] && need=$((need > 3 ? need - 3 : 0))
  done
  local free_kib
  free_kib=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  local free_gib=$((free_kib / 1024 / 1024))
  echo "== disk: ${free_gib} GiB free under ${dir}, ${need} GiB needed"
  if ((free_gib < need)); then
    echo "FAILED: only ${free_gib} GiB free on the disk of ${dir}; the three builds need about ${need} GiB more." >&2
    echo "        Free some space (old build directories, /tmp) and run again." >&2
    exit 1
  fi
}
