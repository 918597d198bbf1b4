#!/usr/bin/env bash
# A whole journey through the CLI alone, one command at a time, as a script would drive it.
# Needs: WRITEIT (the command, maybe several words), PY (a python), OUT (a directory for every --json output),
# SLOW (a model that streams for long enough that Ctrl-C or a kill lands while it does, however loaded the machine).
set -euo pipefail
set -m  # background jobs get their own process group, so `kill -INT` reaches them as Ctrl-C would
read -r -a writeit <<< "$WRITEIT"
n=0

w() { "${writeit[@]}" "$@"; }
# Run a --json command, keep its output as $OUT/NN-name.json, and set V to the version it reports.
step() {
  local name=$1; shift
  n=$((n + 1))
  local file; file=$(printf '%s/%02d-%s.json' "$OUT" "$n" "$name")
  w "$@" --json > "$file"
  V=$(get "$file" 'd["version"]')
  LAST=$file
}
get() { "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
round() { get "$LAST" '" ".join(d["round"]["candidate_ids"])'; }
wait_generating() { until grep -q '^generating ' "$1"; do sleep 0.05; done; }

step start pipelines start quick-article -i topic="Event sourcing for writers" -m echo -m markov
ID=$(get "$LAST" 'd["id"]')

# plan: two candidates (echo, markov); select the first
step generate-plan pipelines generate "$ID" --expected-version "$V"
read -r PLAN1 PLAN2 <<< "$(round)"
step select-plan pipelines select "$ID" plan "$PLAN1" --expected-version "$V" --branch main

# a stale version is refused, says the current one, and changes nothing
if w pipelines select "$ID" plan "$PLAN2" --expected-version 1 2> "$OUT/stale.err"; then exit 1; fi
grep -q "is at version $V, not 1" "$OUT/stale.err"
[ "$(w pipelines show "$ID" --json | get /dev/stdin 'd["version"]')" = "$V" ]

# write: generate, edit the first from stdin
step generate-write pipelines generate "$ID" --expected-version "$V"
read -r WRITE1 WRITE2 <<< "$(round)"
echo "An edited draft, written by hand." > "$OUT/edited.txt"
step edit-write pipelines edit "$ID" write "$WRITE1" --text-file - --expected-version "$V" < "$OUT/edited.txt"

# feedback, then regenerate: the new round's prompt carries it (echo repeats its prompt)
step feedback-write pipelines feedback "$ID" write "Shorter, with one example." --expected-version "$V"
step regenerate-write pipelines generate "$ID" --step write --expected-version "$V"
read -r WRITE3 _ <<< "$(round)"
get "$LAST" '[c["text"] for s in d["steps"] for c in s["candidates"] if c["id"] == "'"$WRITE3"'"][0]' \
  | grep "Shorter, with one example." > /dev/null

# merge by hand (a file), then by a model
printf 'The best of both drafts.\n' > "$OUT/merged.txt"
step merge-by-hand pipelines merge "$ID" write "$WRITE2" "$WRITE3" --text-file "$OUT/merged.txt" \
  --expected-version "$V"
step merge-by-model pipelines merge "$ID" write "$WRITE2" "$WRITE3" --model echo \
  --instruction "Keep the example." --expected-version "$V"

# polish, select: the branch is complete
step generate-polish pipelines generate "$ID" --expected-version "$V"
read -r POLISH1 _ <<< "$(round)"
step select-polish pipelines select "$ID" polish "$POLISH1" --expected-version "$V"
[ "$(get "$LAST" 'd["completed"]')" = "True" ]

# fork at write, then switch back to main
step fork pipelines fork "$ID" write --name alternative --expected-version "$V" --branch main
[ "$(get "$LAST" 'd["branch"]')" = "alternative" ]
step switch pipelines switch "$ID" main --expected-version "$V"
[ "$(get "$LAST" 'd["branch"]')" = "main" ]

# another plan makes write and polish stale; keep them as they are
step reselect-plan pipelines select "$ID" plan "$PLAN2" --expected-version "$V"
step keep-write pipelines keep "$ID" write --expected-version "$V"
step keep-polish pipelines keep "$ID" polish --expected-version "$V"

# (in the background the command itself, not `w`: this shell is its parent, so `wait` reaps it)
# Ctrl-C on a generating round: each running candidate is cancelled, its text so far kept
"${writeit[@]}" pipelines generate "$ID" --step polish -m "$SLOW" > "$OUT/gen.out" 2> "$OUT/gen.err" &
pid=$!
wait_generating "$OUT/gen.err"
kill -INT -- "-$pid"  # the job's process group, as Ctrl-C signals the foreground one
status=0; wait "$pid" || status=$?
[ "$status" = 130 ]
CANCELLED=$(grep '^generating ' "$OUT/gen.err" | cut -d' ' -f2)

# a round whose process was killed: opening the store marks its candidate interrupted, and `cancel` shows it so
"${writeit[@]}" pipelines generate "$ID" --step polish -m "$SLOW" > "$OUT/gen.out" 2> "$OUT/gen.err" &
pid=$!
wait_generating "$OUT/gen.err"
ORPHAN=$(grep '^generating ' "$OUT/gen.err" | cut -d' ' -f2)
kill -KILL -- "-$pid"
wait "$pid" 2> /dev/null || true
step cancel pipelines cancel "$ID" "$ORPHAN"
get "$LAST" '{c["id"]: c["status"] for s in d["steps"] for c in s["candidates"]}["'"$CANCELLED"'"]' | grep -x cancelled > /dev/null
get "$LAST" '{c["id"]: c["status"] for s in d["steps"] for c in s["candidates"]}["'"$ORPHAN"'"]' | grep -x interrupted > /dev/null

# export what the journey made
w pipelines export "$ID" --format markdown -o "$OUT/article.md" > /dev/null
w pipelines export "$ID" --format json -o "$OUT/history.json" > /dev/null
echo "$ID"
