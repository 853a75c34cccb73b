#!/usr/bin/env bash
# Train the shipped recipes side by side on one GPU within a time budget, plus the word-input
# baselines of en-small and zh-small (same steps as their char-CNN models).
#
#   scripts/train_on_gpu.sh start MINUTES WORK   # in the background: probe, then the real runs
#   scripts/train_on_gpu.sh wait SECONDS WORK    # show progress until done or SECONDS have passed
#   scripts/train_on_gpu.sh collect WORK OUT     # one archive per model folder + logs into OUT
#
# Needs ELMO_CACHE to hold the corpora and build folders (vocabularies, mixed shards) that
# `elmo build-model NAME` makes. Each recipe first trains one minute on a scratch copy of the
# cache with everything running side by side; its steps per minute set --max-steps so the cosine
# schedule ends inside the budget (the real runs resume from nothing: the scratch copy is
# thrown away).
set -euo pipefail
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OMP_NUM_THREADS=2
read -r -a RECIPES <<<"${GPU_RECIPES-zh-small en-small zh-char-small}"
read -r -a BASELINES <<<"${GPU_BASELINES-zh-small en-small}"  # word-input baselines to run too
PROBE_MINUTES=${PROBE_MINUTES:-1}

launch_all() {  # $1 cache, $2 log folder, $3 extra build-model flags for recipe i (a function)
  local cache=$1 logs=$2
  mkdir -p "$logs"
  for recipe in "${RECIPES[@]}"; do
    ELMO_CACHE=$cache python3 -m elmo.cli.main build-model "$recipe" -q -o "$logs/$recipe" \
      $(flags "$recipe") >"$logs/$recipe.log" 2>&1 &
  done
  [ ${#BASELINES[@]} -gt 0 ] && sleep 20  # the baselines read the shards the builds check first
  for recipe in "${BASELINES[@]+"${BASELINES[@]}"}"; do
    ELMO_CACHE=$cache python3 benchmarks/word_input_baseline.py "$recipe" $(baseline_flags "$recipe") \
      --against "$cache/builds/$recipe/run/log.csv" >"$logs/word-$recipe.log" 2>&1 &
  done
  wait
}

last_step() {  # the last training step in a build's log.csv
  awk -F, 'NR > 1 && $2 != "" {step = $1} END {print step + 0}' "$1"
}

start() {
  local minutes=$1 work=$2
  mkdir -p "$work"
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >"$work/gpu.txt" || true
  python3 - <<'EOF' >"$work/smoke.log" 2>&1
import torch
from elmo.modules.bilm import BiLM
assert torch.cuda.is_available(), "no CUDA device"
print("cuda ok:", torch.cuda.get_device_name(), torch.__version__)
EOF
  local probe="$work/probe-cache"
  mkdir -p "$probe/builds"
  for entry in "$ELMO_CACHE"/*; do
    [ "$(basename "$entry")" = builds ] || ln -s "$entry" "$probe/"
  done
  for recipe in "${RECIPES[@]}"; do
    mkdir -p "$probe/builds/$recipe"
    cp -r "$ELMO_CACHE/builds/$recipe"/{vocab.txt,heldout-curve.txt,mixed} "$probe/builds/$recipe/"
    [ -d "$ELMO_CACHE/builds/$recipe/chars" ] && cp -r "$ELMO_CACHE/builds/$recipe/chars" "$probe/builds/$recipe/"
  done
  flags() { echo "--max-minutes $PROBE_MINUTES"; }
  baseline_flags() { echo "--steps 1000000 --max-minutes $PROBE_MINUTES"; }
  echo "probe: $(date +%T)" >>"$work/progress.txt"
  launch_all "$probe" "$work/probe"
  declare -gA STEPS
  for recipe in "${RECIPES[@]}"; do
    local done_steps
    done_steps=$(last_step "$probe/builds/$recipe/run/log.csv")
    STEPS[$recipe]=$(python3 -c "print(max(500, int($done_steps / $PROBE_MINUTES * $minutes * 0.85)))")
    echo "$recipe: $done_steps steps in the probe minute -> max_steps ${STEPS[$recipe]}" >>"$work/progress.txt"
  done
  rm -rf "$probe"
  flags() { echo "--max-steps ${STEPS[$1]} --max-minutes $(python3 -c "print($minutes + 1)")"; }
  baseline_flags() { echo "--steps ${STEPS[$1]} --max-minutes $(python3 -c "print($minutes + 1)")"; }
  echo "runs: $(date +%T)" >>"$work/progress.txt"
  launch_all "$ELMO_CACHE" "$work/runs"
  for recipe in "${BASELINES[@]+"${BASELINES[@]}"}"; do
    python3 -m elmo.cli.main perplexity -q "$ELMO_CACHE/builds/$recipe/word-input/model" \
      "$(ELMO_CACHE=$ELMO_CACHE python3 -c "from elmo import corpora; print(corpora.corpus_path('$( [ $recipe = en-small ] && echo brown || echo pd1998)', 'dev'))")" \
      >"$work/runs/word-$recipe.dev-perplexity.txt" 2>&1 || true
  done
  echo "done: $(date +%T)" >>"$work/progress.txt"
  touch "$work/DONE"
}

wait_for() {
  local seconds=$1 work=$2 waited=0
  while [ ! -f "$work/DONE" ] && [ "$waited" -lt "$seconds" ]; do
    sleep 30; waited=$((waited + 30))
  done
  cat "$work/gpu.txt" "$work/smoke.log" "$work/progress.txt" 2>/dev/null || true
  for log in "$ELMO_CACHE"/builds/*/run/log.csv "$ELMO_CACHE"/builds/*/word-input/log.csv; do
    [ -f "$log" ] && echo "$log: $(tail -n 1 "$log")"
  done
  tail -n 3 "$work"/runs/*.log 2>/dev/null || tail -n 3 "$work"/probe/*.log 2>/dev/null || true
  [ -f "$work/DONE" ] && echo "ALL DONE"
  return 0
}

collect() {
  local work=$1 out=$2
  for recipe in "${RECIPES[@]}"; do
    [ -d "$work/runs/$recipe" ] && tar -cf "$out/$recipe.tar" -C "$work/runs" "$recipe"
  done
  tar -czf "$out/logs.tar.gz" -C "$work" --exclude='runs/*-small' progress.txt gpu.txt smoke.log runs \
    -C "$ELMO_CACHE/builds" $(cd "$ELMO_CACHE/builds" && ls -d */word-input/log.csv */run/log.csv 2>/dev/null)
}

case "$1" in
  start) start "$2" "$3" ;;
  wait) wait_for "$2" "$3" ;;
  collect) collect "$2" "$3" ;;
  *) echo "usage: $0 start MINUTES WORK | wait SECONDS WORK | collect WORK OUT" >&2; exit 2 ;;
esac
