# Sourced by .ci/run: `stage NAME COMMAND...` runs one CI stage, timing it.
# The times of every stage run so far are printed when the script exits,
# whether it passed or not.
STAGE_TIMES=()

stage() {
  local name=$1 start=$SECONDS
  shift
  echo "=== stage $name: $*"
  "$@" || { local status=$?; STAGE_TIMES+=("$name $((SECONDS - start))s FAILED"); exit $status; }
  STAGE_TIMES+=("$name $((SECONDS - start))s")
  echo "=== stage $name: done in $((SECONDS - start)) s"
}

stage_summary() {
  echo "=== stage times (total ${SECONDS} s):"
  printf '  %s\n' "${STAGE_TIMES[@]}"
}
trap stage_summary EXIT
